package main

// The proxy half of the original: a goproxy forward proxy (clients use it as their HTTP proxy, so requests carry
// absolute URIs) with Verbose logging through a logrus logger, and an OnResponse handler for URL "/admin" that
// reads the whole response body and JSON-decodes it. Like the original it hands the decoded answer to one
// goroutine over an unbuffered channel, and returns the response whose body it has drained.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/elazarl/goproxy"
	"github.com/sirupsen/logrus"
)

type exportResponse struct {
	Data struct {
		Export struct {
			Response struct {
				Message string `json:"message"`
				Code    string `json:"code"`
			} `json:"response"`
		} `json:"export"`
	} `json:"data"`
}

// taskID takes the last word of "Export queued with ID 0x…", as the original does.
func (r exportResponse) taskID() string {
	words := strings.Split(r.Data.Export.Response.Message, " ")
	return words[len(words)-1]
}

func runProxy(s *settings) error {
	logger := logrus.New()
	proxy := goproxy.NewProxyHttpServer()
	proxy.Logger = logger
	proxy.Verbose = true

	events := make(chan exportResponse)
	proxy.OnResponse(goproxy.UrlIs("/admin")).DoFunc(func(resp *http.Response, ctx *goproxy.ProxyCtx) *http.Response {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			logger.WithError(err).Error("error while reading response body")
			return resp
		}
		var decoded exportResponse
		if err := json.Unmarshal(body, &decoded); err != nil {
			logger.WithError(err).Error("error while decoding response body")
			return resp
		}
		events <- decoded
		return resp
	})
	go syncLoop(s, logger, events)
	return http.ListenAndServe(s.listen, proxy)
}

func syncLoop(s *settings, logger *logrus.Logger, events <-chan exportResponse) {
	for ev := range events {
		if ev.Data.Export.Response.Code == "" {
			continue // not an export answer (the bench's own /admin queries)
		}
		id := ev.taskID()
		if err := waitForTask(s, logger, id); err != nil {
			logger.WithField("task.id", id).WithError(err).Error("error during busy wait")
			continue
		}
		dirs, err := os.ReadDir(s.toWatch)
		if err != nil {
			logger.WithError(err).Error("error reading watch dir")
			continue
		}
		for _, d := range dirs {
			if d.IsDir() {
				if err := syncDir(s, logger, filepath.Join(s.toWatch, d.Name())); err != nil {
					logger.Errorf("error syncing dir: %v", err)
				}
			}
		}
	}
}

// waitForTask keeps the original's design: ask at once, then every 5 s. Two defects of the original are corrected
// so that the design can be measured at all: it re-sent a drained request body from the second poll on, and it
// compared the status with "Running" where it meant "Failed".
func waitForTask(s *settings, logger *logrus.Logger, id string) error {
	query := fmt.Sprintf("query { task(input: { id: %q }) { status } }", id)
	for it := 0; ; it++ {
		logger.WithField("task.id", id).WithField("iteration", it).Info("requesting export task status")
		resp, err := http.Post(s.upstream+"/admin", "application/graphql", strings.NewReader(query))
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var status struct {
			Data struct {
				Task struct {
					Status string `json:"status"`
				} `json:"task"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &status); err != nil {
			return err
		}
		switch status.Data.Task.Status {
		case "Success":
			return nil
		case "Failed":
			return fmt.Errorf("export task failed")
		}
		time.Sleep(5 * time.Second)
	}
}

// syncDir uploads every file but the GraphQL schema with one PutObject each, then removes the directory.
func syncDir(s *settings, logger *logrus.Logger, dir string) error {
	files, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	sess, err := newSession(s)
	if err != nil {
		return err
	}
	for _, f := range files {
		if strings.Contains(f.Name(), "gql_schema") {
			continue
		}
		path := filepath.Join(dir, f.Name())
		logger.Infof("initiating sync of %s to s3://%s/%s", path, s.bucketName, objectName(path))
		if err := putFile(sess, s, path, objectName(path)); err != nil {
			return err
		}
	}
	return os.RemoveAll(dir)
}
