//go:build tools
package tools
import _ "github.com/dgraph-io/dgraph/v25/dgraph"
