module dsync.bench/original-standin

go 1.21

require (
	github.com/aws/aws-sdk-go v1.37.31
	github.com/elazarl/goproxy v0.0.0-20200809112317-0581fc3aee2d
	github.com/sirupsen/logrus v1.6.0
)

require (
	github.com/jmespath/go-jmespath v0.4.0 // indirect
	github.com/konsorten/go-windows-terminal-sequences v1.0.3 // indirect
	golang.org/x/sys v0.0.0-20200930185726-fdedc70b468f // indirect
)
