package main

// The upload half of the original: one session per process (region "de", the endpoint string, static credentials),
// then for each file `s3.New(sess).PutObject` with the opened *os.File as the body: ONE single PUT per file, no
// multipart. aws-sdk-go v1 itself hashes a seekable PutObject body (Content-MD5 and the signed SHA-256) before
// sending it; the original adds no other check and never reads the object back.

import (
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/s3"
)

func newSession(s *settings) (*session.Session, error) {
	cfg := &aws.Config{
		Region:      aws.String("de"),
		Endpoint:    aws.String(s.endpoint),
		Credentials: credentials.NewStaticCredentials(s.accessKey, s.secret, ""),
	}
	// Deviations: the original uses the SDK's default HTTP client and virtual-host addressing. A private CA needs
	// the SDK's HTTP client with that CA pool, and an IP endpoint cannot carry a bucket host name.
	if s.caFile != "" {
		pem, err := os.ReadFile(s.caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", s.caFile)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
		cfg.HTTPClient = &http.Client{Transport: tr}
	}
	cfg.S3ForcePathStyle = aws.Bool(true)
	return session.NewSession(cfg)
}

// objectName is the original's mapping: anything with "rdf" in its name is the data, "schema" the schema.
func objectName(path string) string {
	name := filepath.Base(path)
	switch {
	case strings.Contains(name, "rdf"):
		return "transformer.rdf.gz"
	case strings.Contains(name, "schema"):
		return "transformer.schema.gz"
	default:
		return "unknown-object"
	}
}

func uploadOne(s *settings, path, key string) error {
	sess, err := newSession(s)
	if err != nil {
		return fmt.Errorf("error initiating session: %w", err)
	}
	return putFile(sess, s, path, key)
}

func putFile(sess *session.Session, s *settings, path, key string) error {
	file, err := os.OpenFile(path, os.O_EXCL|os.O_RDONLY, 0600)
	if err != nil {
		return fmt.Errorf("error opening file %s: %w", path, err)
	}
	defer file.Close()
	sum := md5.Sum([]byte(s.cryptoKey))
	_, err = s3.New(sess).PutObject(&s3.PutObjectInput{
		Bucket:               aws.String(s.bucketName),
		Key:                  aws.String(key),
		Body:                 file,
		SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey:       aws.String(s.cryptoKey),
		SSECustomerKeyMD5:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	})
	if err != nil {
		return fmt.Errorf("error storing backup object to s3: %w", err)
	}
	return nil
}
