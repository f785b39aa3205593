package gan

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/ui/commandline"

	"github.com/ganlab/ganlab/ganlib/internal/project"
)

// Checkpoint layout, inside a run folder:
//
//	checkpoints/LATEST                 name of the newest complete checkpoint
//	checkpoints/ckpt-000001000/meta.json  step, variant, settings, history, fixed noise, variable index
//	checkpoints/ckpt-000001000/vars.bin   raw little-endian variable values
//
// A checkpoint is written into a temporary folder, fsync'ed and renamed into place, and only then named in
// LATEST (itself replaced atomically), so a run killed at any moment leaves the previous checkpoint intact.
//
// Formats: 2 is written since the move to GoMLX v0.28, where each player's optimizer keeps its state in the
// player's scope (/discriminator/..., /generator/...) and the store has one /global_step. Format 1 was written by
// ganlab on GoMLX v0.27, with the optimizers' state under /d_optimizer and /g_optimizer; Load maps its names to
// format 2's (upgradeFormat1), so that such a run resumes with its optimizer state.
const (
	checkpointsDir = "checkpoints"
	latestFile     = "LATEST"
	metaFile       = "meta.json"
	varsFile       = "vars.bin"
	formatVersion  = 2
	// formatV027 is the format of the checkpoints written by ganlab on GoMLX v0.27.
	formatV027 = 1
)

type savedVar struct {
	Scope  string       `json:"scope"`
	Name   string       `json:"name"`
	DType  dtypes.DType `json:"dtype"`
	Dims   []int        `json:"dims"`
	Offset int64        `json:"offset"`
	Length int64        `json:"length"`
}

// Meta is the metadata of a checkpoint.
type Meta struct {
	Format      int    `json:"format"`
	Variant     string `json:"variant"`
	Loss        string `json:"loss"`
	LatentDim   int    `json:"latent_dim"`
	Height      int    `json:"height"`
	Width       int    `json:"width"`
	Channels    int    `json:"channels"`
	CriticSteps int    `json:"critic_steps"`
	BatchSize   int    `json:"batch_size"`
	Seed        uint64 `json:"seed"`
	Step        int    `json:"step"`
	// Settings are the run's settings (Trainer.Settings), each in the form ParseSettings reads.
	Settings map[string]string `json:"settings,omitempty"`
	// Params are free-form facts of the run (model, dataset, ...) that a resumed run reuses.
	Params     map[string]string `json:"params,omitempty"`
	History    []Record          `json:"history"`
	FixedNoise []float32         `json:"fixed_noise"`
	Variables  []savedVar        `json:"variables"`
}

// Save writes a checkpoint of the trainer's whole state (both players, both optimizers, RNG state, step,
// history, fixed noise) into runDir/checkpoints, keeping the newest keep checkpoints (keep <= 0 keeps 3).
// params are stored as they are and returned by LoadCheckpoint.
func (t *Trainer) Save(runDir string, keep int, params map[string]string) (path string, err error) {
	if keep <= 0 {
		keep = 3
	}
	root := filepath.Join(runDir, checkpointsDir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("creating checkpoint folder: %w", err)
	}
	v := t.Variant
	meta := Meta{
		Format: formatVersion, Variant: v.Name, Loss: v.Loss.Name, LatentDim: v.LatentDim,
		Height: v.Height, Width: v.Width, Channels: v.Channels, CriticSteps: t.criticSteps(),
		BatchSize: t.batchSize(), Seed: t.Config.Seed, Step: t.step, Settings: map[string]string{}, Params: params,
		History: t.History, FixedNoise: t.FixedNoise,
	}
	for k, val := range t.Settings() {
		meta.Settings[k] = fmt.Sprint(val)
	}
	name := fmt.Sprintf("ckpt-%09d", t.step)
	tmp, err := os.MkdirTemp(root, name+".tmp-")
	if err == nil {
		err = os.Chmod(tmp, 0o755) // MkdirTemp makes 0700
	}
	if err != nil {
		return "", fmt.Errorf("creating temporary checkpoint folder in %s: %w", root, err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	bin, err := os.Create(filepath.Join(tmp, varsFile))
	if err != nil {
		return "", err
	}
	var offset int64
	// write appends one variable's value to vars.bin and records it in meta.
	write := func(scope, name string, value *tensors.Tensor) error {
		var n int
		var writeErr error
		err := value.ConstBytes(func(data []byte) { n, writeErr = bin.Write(data) })
		if err == nil {
			err = writeErr
		}
		if err != nil {
			return fmt.Errorf("checkpoint: writing variable %s to %s: %w", model.JoinPath(scope, name), bin.Name(), err)
		}
		meta.Variables = append(meta.Variables, savedVar{Scope: scope, Name: name,
			DType: value.DType(), Dims: value.Shape().Dimensions, Offset: offset, Length: int64(n)})
		offset += int64(n)
		return nil
	}
	for variable := range t.Scope.IterVariables() {
		value, err := variable.Value()
		if err != nil {
			_ = bin.Close()
			return "", fmt.Errorf("checkpoint: reading variable %s: %w", variable.Path(), err)
		}
		if err = write(variable.Scope(), variable.Name(), value); err != nil {
			_ = bin.Close()
			return "", err
		}
	}
	// Values the last Load handed to the loader that no graph has claimed yet (a variable that only a later graph
	// creates, or one this version does not use) are written again, so that no checkpointed state is lost.
	if l, ok := t.Scope.Store().Loader().(*loader); ok && l != nil {
		for _, key := range t.UnclaimedCheckpointVariables() {
			i := strings.LastIndex(key, model.ScopeSeparator)
			scope, name := key[:i], key[i+1:]
			if scope == "" {
				scope = model.RootScopePath
			}
			if err = write(scope, name, l.values[key]); err != nil {
				_ = bin.Close()
				return "", err
			}
		}
	}
	if err = project.SyncClose(bin); err != nil {
		return "", err
	}
	midSave()
	metaJSON, err := json.Marshal(&meta)
	if err != nil {
		return "", err
	}
	if err = project.WriteFileSync(filepath.Join(tmp, metaFile), metaJSON); err != nil {
		return "", err
	}
	final := filepath.Join(root, name)
	_ = os.RemoveAll(final) // a checkpoint of the same step from an earlier attempt
	if err = os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("checkpoint: renaming %s to %s: %w", tmp, final, err)
	}
	if err = project.SyncDir(root); err != nil {
		return "", err
	}
	if err = project.WriteFileAtomic(filepath.Join(root, latestFile), []byte(name+"\n")); err != nil {
		return "", err
	}
	pruneCheckpoints(root, keep)
	return final, nil
}

// midSave runs between writing vars.bin and meta.json into a checkpoint's temporary folder: nothing, except in
// binaries built with -tags ganlabtest, where a test can hold every save open there (checkpoint_testhook.go).
var midSave = func() {}

// RemoveStaleTemp removes the temporary files and folders (names holding ".tmp-") that a killed process left in
// runDir and runDir/checkpoints: half-written checkpoints, grids and histories. No complete checkpoint is ever
// named so. Call it only while no other process writes to runDir.
func RemoveStaleTemp(runDir string) error {
	var errs []error
	for _, dir := range []string{runDir, filepath.Join(runDir, checkpointsDir)} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp-") {
				if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// HasCheckpoint reports whether runDir holds at least one complete checkpoint. A checkpoint of a format this
// ganlab cannot read counts (ReadMeta and Load then return an error that says so), so that a run folder written
// by another version of ganlab is not taken for an empty one and overwritten.
func HasCheckpoint(runDir string) bool {
	_, err := latestCheckpoint(runDir)
	var fe *formatError
	return err == nil || errors.As(err, &fe)
}

// ReadMeta reads the metadata of the newest complete checkpoint in runDir, without loading its variables.
func ReadMeta(runDir string) (*Meta, string, error) {
	dir, err := latestCheckpoint(runDir)
	if err != nil {
		return nil, "", err
	}
	meta, err := readMeta(dir)
	return meta, dir, err
}

// Load restores the trainer's state from the newest complete checkpoint in runDir and returns its params. The
// trainer must have been created with the same variant (names, shapes and dims are checked). A checkpoint of
// format 1 (ganlab on GoMLX v0.27) is loaded with its optimizer state renamed to this version's layout (see
// upgradeFormat1), or refused with an error if that is not possible.
//
// Values of variables that do not exist yet are handed to them when the graphs create them (a loader); see
// UnclaimedCheckpointVariables for those that nothing claimed.
func (t *Trainer) Load(runDir string) (params map[string]string, err error) {
	dir, err := latestCheckpoint(runDir)
	if err != nil {
		return nil, err
	}
	meta, err := readMeta(dir)
	if err != nil {
		return nil, err
	}
	v := t.Variant
	if meta.Variant != v.Name || meta.LatentDim != v.LatentDim || meta.Height != v.Height || meta.Width != v.Width || meta.Channels != v.Channels {
		return nil, fmt.Errorf("checkpoint %s is of variant %q (z %d, %dx%dx%d), not %q (z %d, %dx%dx%d)",
			dir, meta.Variant, meta.LatentDim, meta.Height, meta.Width, meta.Channels, v.Name, v.LatentDim, v.Height, v.Width, v.Channels)
	}
	binPath := filepath.Join(dir, varsFile)
	raw, err := os.ReadFile(binPath)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	stored := make([]storedValue, 0, len(meta.Variables))
	for _, sv := range meta.Variables {
		if sv.Offset < 0 || sv.Length < 0 || sv.Offset+sv.Length > int64(len(raw)) {
			return nil, fmt.Errorf("checkpoint %s: variable %s/%s lies outside the file (offset %d, length %d, file %d bytes)",
				binPath, sv.Scope, sv.Name, sv.Offset, sv.Length, len(raw))
		}
		shape := shapes.Make(sv.DType, sv.Dims...)
		if int64(shape.Memory()) != sv.Length {
			return nil, fmt.Errorf("checkpoint %s: variable %s/%s has %d bytes for shape %s", binPath, sv.Scope, sv.Name, sv.Length, shape)
		}
		stored = append(stored, storedValue{key: model.JoinPath(sv.Scope, sv.Name), shape: shape, data: raw[sv.Offset : sv.Offset+sv.Length]})
	}
	if meta.Format == formatV027 {
		if stored, err = upgradeFormat1(dir, stored); err != nil {
			return nil, err
		}
	}
	seen := make(map[string]bool, len(stored))
	for _, s := range stored {
		if seen[s.key] {
			return nil, fmt.Errorf("checkpoint %s holds variable %s twice", dir, s.key)
		}
		seen[s.key] = true
	}
	loader := &loader{values: map[string]*tensors.Tensor{}}
	for _, s := range stored {
		tensor := tensors.FromShape(s.shape)
		tensor.MutableBytes(func(data []byte) { copy(data, s.data) })
		if existing := t.Scope.Store().GetVariable(s.key); existing != nil {
			if !existing.Shape().Equal(s.shape) {
				return nil, fmt.Errorf("checkpoint %s: variable %s is %s in the checkpoint but %s in the model", dir, s.key, s.shape, existing.Shape())
			}
			if err := existing.SetValue(tensor); err != nil {
				return nil, err
			}
		} else {
			loader.values[s.key] = tensor
		}
	}
	t.Scope.Store().SetLoader(loader)
	t.step = meta.Step
	t.History = meta.History
	t.FixedNoise = meta.FixedNoise
	t.Config.Seed = meta.Seed
	if err := t.loadSettings(dir, meta); err != nil {
		return nil, err
	}
	t.permEpoch = -1
	return meta.Params, nil
}

// storedValue is one variable of a checkpoint: its full path, shape and raw little-endian bytes; from is the
// path it had in the checkpoint when upgradeFormat1 renamed it.
type storedValue struct {
	key, from string
	shape     shapes.Shape
	data      []byte
}

// Player scopes of a format-1 checkpoint's optimizer state (ganlab on GoMLX v0.27, where each optimizer had a
// scope of its own beside its player's) and the player scopes that hold it since.
var format1Players = []struct{ old, new string }{{"d_optimizer", DiscriminatorScope}, {"g_optimizer", GeneratorScope}}

// upgradeFormat1 renames the variables of a format-1 checkpoint (read from dir) to their format-2 paths:
//
//	/d_optimizer/AdamOptimizer/global_step   -> /discriminator/AdamOptimizer/step (Adam's bias-correction step; int64
//	                                            then, now the dtype of the optimizer's learning rate, float32)
//	/d_optimizer/global_step + /g_optimizer/global_step -> /global_step (their sum: v0.28's optimizers all
//	                                            increment the store's one global step, once per update of either player)
//	/d_optimizer/<rest>                      -> /discriminator/<rest> (learning rate optimizers/learning_rate,
//	                                            RMSProp's rmsprop/..., Momentum's momentum_step and momentum/...)
//	/g_optimizer/...                         -> /generator/..., likewise
//
// Everything else (the networks, Adam's moments under /AdamOptimizer/<player>/..., the RNG state) keeps its path.
// It returns an error, saying that the checkpoint comes from an older ganlab and what to do, when the names
// cannot be mapped: two variables would get the same path, or a step counter is not the int64 scalar v0.27 wrote.
func upgradeFormat1(dir string, in []storedValue) ([]storedValue, error) {
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("checkpoint %s was written by an older ganlab (GoMLX v0.27, checkpoint format %d), and its "+
			"optimizer state cannot be mapped to this version's layout: %s; finish that run with the ganlab it was "+
			"started with (before the move to GoMLX v0.28), or start a new run in another folder",
			dir, formatV027, fmt.Sprintf(format, args...))
	}
	int64Scalar := func(s storedValue) (int64, error) {
		if s.shape.DType != dtypes.Int64 || !s.shape.IsScalar() || len(s.data) != 8 {
			return 0, refuse("%s is %s, not an int64 scalar", s.key, s.shape)
		}
		return int64(binary.LittleEndian.Uint64(s.data)), nil
	}
	// Adam's step takes the dtype of its learning rate (v0.28's Adam keeps both in the dtype it computes in).
	lrDType := map[string]dtypes.DType{}
	for _, s := range in {
		for _, p := range format1Players {
			if s.key == model.JoinPath(model.ScopeSeparator+p.old, optimizer.Scope, optimizer.ParamLearningRate) {
				lrDType[p.old] = s.shape.DType
			}
		}
	}
	out := make([]storedValue, 0, len(in))
	var globalStep int64
	haveGlobalStep := false
	for _, s := range in {
		mapped := false
		for _, p := range format1Players {
			prefix := model.ScopeSeparator + p.old + model.ScopeSeparator
			rest, ok := strings.CutPrefix(s.key, prefix)
			if !ok {
				continue
			}
			mapped = true
			switch rest {
			case optimizer.GlobalStepVariableName: // the optimizer's own count of updates
				n, err := int64Scalar(s)
				if err != nil {
					return nil, err
				}
				globalStep += n
				haveGlobalStep = true
			case optimizer.AdamDefaultScope + model.ScopeSeparator + "global_step": // Adam's bias-correction step
				n, err := int64Scalar(s)
				if err != nil {
					return nil, err
				}
				dtype, ok := lrDType[p.old]
				if !ok {
					dtype = dtypes.Float32
				}
				if !dtype.IsFloat() {
					return nil, refuse("the learning rate of %s is %s, not a float", p.old, dtype)
				}
				step, err := tensors.FromAnyValue(shapes.CastAsDType(float64(n), dtype))
				if err != nil {
					return nil, refuse("converting %s to %s: %v", s.key, dtype, err)
				}
				var data []byte
				if err := step.ConstBytes(func(b []byte) { data = append([]byte(nil), b...) }); err != nil {
					return nil, refuse("converting %s to %s: %v", s.key, dtype, err)
				}
				out = append(out, storedValue{key: model.JoinPath(model.ScopeSeparator+p.new, optimizer.AdamDefaultScope, "step"),
					from: s.key, shape: step.Shape(), data: data})
			default:
				out = append(out, storedValue{key: model.ScopeSeparator + p.new + model.ScopeSeparator + rest, from: s.key,
					shape: s.shape, data: s.data})
			}
			break
		}
		if !mapped {
			out = append(out, s)
		}
	}
	if haveGlobalStep {
		var data [8]byte
		binary.LittleEndian.PutUint64(data[:], uint64(globalStep))
		out = append(out, storedValue{key: model.ScopeSeparator + optimizer.GlobalStepVariableName,
			from: "the sum of /d_optimizer/global_step and /g_optimizer/global_step", shape: shapes.Make(dtypes.Int64), data: data[:]})
	}
	from := make(map[string]string, len(out))
	for _, s := range out {
		if s.from == "" {
			s.from = s.key
		}
		if prev, ok := from[s.key]; ok {
			return nil, refuse("%s and %s would both become %s", prev, s.from, s.key)
		}
		from[s.key] = s.from
	}
	return out, nil
}

// UnclaimedCheckpointVariables returns, sorted, the paths of the checkpointed variables that the last Load handed
// to its loader (they did not exist yet) and that no graph has created since. After the trainer has taken a step,
// a path left here is state that the training steps do not use: a variable of another graph not built yet, or
// one this version of ganlab does not know (e.g. a renamed one). Save writes them again, so none is lost.
// nil without a Load.
func (t *Trainer) UnclaimedCheckpointVariables() []string {
	l, ok := t.Scope.Store().Loader().(*loader)
	if !ok || l == nil {
		return nil
	}
	names := make([]string, 0, len(l.values))
	for key := range l.values {
		names = append(names, key)
	}
	sort.Strings(names)
	return names
}

// loader hands checkpointed values to variables created after Load, as the graphs are built.
type loader struct{ values map[string]*tensors.Tensor }

func (l *loader) LoadVariable(_ *model.Store, key string) (*tensors.Tensor, bool) {
	v, ok := l.values[key]
	if ok {
		delete(l.values, key)
	}
	return v, ok
}

func (l *loader) DeleteVariable(_ *model.Store, key string) error {
	delete(l.values, key)
	return nil
}

func readMeta(dir string) (*Meta, error) {
	path := filepath.Join(dir, metaFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var meta Meta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fmt.Errorf("checkpoint metadata %s is not valid JSON: %w", path, err)
	}
	if meta.Format != formatVersion && meta.Format != formatV027 {
		return nil, &formatError{path: path, format: meta.Format}
	}
	var total int64
	for _, sv := range meta.Variables {
		total += sv.Length
	}
	if st, err := os.Stat(filepath.Join(dir, varsFile)); err != nil || st.Size() != total {
		return nil, fmt.Errorf("checkpoint %s is incomplete: %s should hold %d bytes", dir, varsFile, total)
	}
	return &meta, nil
}

// formatError: a checkpoint's meta.json names a format this ganlab cannot read.
type formatError struct {
	path   string
	format int
}

func (e *formatError) Error() string {
	return fmt.Sprintf("checkpoint %s has format %d, written by another version of ganlab: this one reads format %d "+
		"and format %d (ganlab on GoMLX v0.27); use the ganlab that wrote it, or start a new run in another folder",
		e.path, e.format, formatVersion, formatV027)
}

// latestCheckpoint returns the folder named in LATEST if it is complete, else the newest complete one. A
// checkpoint of a format this ganlab cannot read stops the search with a *formatError: an older checkpoint of
// the same run is not silently taken in its place.
func latestCheckpoint(runDir string) (string, error) {
	root := filepath.Join(runDir, checkpointsDir)
	var fe *formatError
	if raw, err := os.ReadFile(filepath.Join(root, latestFile)); err == nil {
		dir := filepath.Join(root, strings.TrimSpace(string(raw)))
		if _, err := readMeta(dir); err == nil {
			return dir, nil
		} else if errors.As(err, &fe) {
			return "", err
		}
	}
	names := listCheckpoints(root)
	for i := len(names) - 1; i >= 0; i-- {
		dir := filepath.Join(root, names[i])
		if _, err := readMeta(dir); err == nil {
			return dir, nil
		} else if errors.As(err, &fe) {
			return "", err
		}
	}
	return "", fmt.Errorf("no complete checkpoint in %s: %w", root, fs.ErrNotExist)
}

func listCheckpoints(root string) []string {
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "ckpt-") && !strings.Contains(e.Name(), ".tmp") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

func pruneCheckpoints(root string, keep int) {
	names := listCheckpoints(root)
	for i := 0; i < len(names)-keep; i++ {
		_ = os.RemoveAll(filepath.Join(root, names[i]))
	}
	// Temporary folders left by a killed save.
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			_ = os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// loadSettings makes a checkpoint's settings the trainer's, except those the user gave (Config.Settings), which
// win; a checkpoint from before settings were stored gives its batch size and critic steps. The players'
// learning-rate variables then follow the settings.
func (t *Trainer) loadSettings(dir string, meta *Meta) error {
	store := t.Scope.Store()
	if len(meta.Settings) == 0 {
		store.SetParam(settingPath(SettingBatchSize), meta.BatchSize)
		store.SetParam(settingPath(SettingCriticSteps), max(meta.CriticSteps, 1))
	}
	var parts []string
	for k, val := range meta.Settings {
		if !t.isSetting(k) {
			return fmt.Errorf("checkpoint %s has setting %s, which %s does not know", dir, k, t.Variant.Name)
		}
		parts = append(parts, k+"="+val)
	}
	if _, err := commandline.ParseSettings(store, strings.Join(parts, ";")); err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	t.applyExplicit()
	explicitLR := false
	for k := range t.explicit {
		explicitLR = explicitLR || baseName(k) == optimizer.ParamLearningRate
	}
	if len(meta.Settings) > 0 || explicitLR {
		t.syncLearningRates()
	}
	return nil
}
