// original-standin: the original-tool stand-in (same libraries and calls as mooncamp/dsync, rebuilt because the
// module is not served). `go install github.com/mooncamp/dsync@latest` is refused by the Go module proxy here, so
// the benchmarks compare dsync against this program instead. It pins the exact library versions the original's
// go.mod pins (aws-sdk-go v1.37.31, goproxy 2020-08-09, logrus v1.6.0) and makes the same calls with the same
// settings; the deviations, all needed to run on 127.0.0.1, are listed in README.md.
//
// Modes:
//
//	original-standin proxy  [flags]            the original daemon: verbose goproxy forward proxy, /admin response
//	                                           body read and JSON-decoded, task polled every 5 s, then upload
//	original-standin upload [flags] FILE KEY   one PutObject of FILE with SSE-C key KEY (raw 32 bytes)
package main

import (
	"flag"
	"fmt"
	"os"
)

// settings mirrors the original's flags, plus the few the benchmarks need to run on 127.0.0.1.
type settings struct {
	endpoint, accessKey, secret, bucketName, cryptoKey, toWatch string
	listen, upstream, caFile, object                            string
}

func parseFlags(mode string, args []string) (*settings, *flag.FlagSet) {
	s := &settings{}
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	fs.StringVar(&s.bucketName, "bucket-name", "", "bucket name")
	fs.StringVar(&s.toWatch, "towatch", "/dgraph/export", "directory to watch")
	fs.StringVar(&s.endpoint, "endpoint", "", "s3 endpoint")
	fs.StringVar(&s.accessKey, "access-key", "", "s3 access key")
	fs.StringVar(&s.secret, "secret", "", "s3 secret")
	fs.StringVar(&s.cryptoKey, "crypto-key", "", "data encryption key")
	// Deviations: the original listens on ":10080" and polls "http://localhost:8080"; the benchmarks need
	// 127.0.0.1 and free ports. A private CA needs a custom TLS pool.
	fs.StringVar(&s.listen, "listen", "127.0.0.1:10080", "proxy listen address")
	fs.StringVar(&s.upstream, "upstream", "http://localhost:8080", "alpha HTTP address polled for the task")
	fs.StringVar(&s.caFile, "ca-file", "", "PEM CA bundle for the S3 endpoint")
	fs.StringVar(&s.object, "object", "", "upload mode: object name (default: the original's transformer.* name)")
	if err := fs.Parse(args); err != nil {
		os.Exit(2)
	}
	return s, fs
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: original-standin proxy|upload [flags] [FILE KEY]")
		os.Exit(2)
	}
	mode := os.Args[1]
	s, fs := parseFlags(mode, os.Args[2:])
	switch mode {
	case "proxy":
		if err := runProxy(s); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "upload":
		if fs.NArg() != 2 {
			fmt.Fprintln(os.Stderr, "usage: original-standin upload [flags] FILE KEY")
			os.Exit(2)
		}
		s.cryptoKey = fs.Arg(1)
		if s.object == "" {
			s.object = objectName(fs.Arg(0))
		}
		if err := uploadOne(s, fs.Arg(0), s.object); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", mode)
		os.Exit(2)
	}
}
