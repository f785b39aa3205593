package gan_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ganlab/ganlab/ganlib/backend/backendtest"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/nn"
	"github.com/ganlab/ganlab/ganlib/optim"

	. "github.com/gomlx/gomlx/core/graph"
)

// The checkpoints under testdata/v027-<kind> were written by ganlab's main branch on GoMLX v0.27.0 (checkpoint
// format 1), with a throwaway test in that tree: gan.New(go backend, variant, Config{BatchSize: 8, Seed: 42, ...}),
// SetData(blobs), Train(3), the learning rates set to the values in v027LearningRates, Save(dir, 1, ...), then
// Train(5) and the history of steps 4 and 5 written to continued.json. v027Variant and v027Blobs are
// gan_test.go's tinyVariant and blobs as they were then, kept here so that a later change to those cannot break
// these fixed files.

// v027Variant returns the variant and config of the checked-in v0.27 checkpoint of kind "adam" (the default
// optimizer), "wgan" (Wasserstein loss, 2 critic steps, clipping, RMSProp for both players) or "momentum"
// (Goodfellow's momentum for both players).
func v027Variant(kind string) (gan.Variant, gan.Config) {
	v := gan.Variant{
		Name: "tiny", Prior: gan.Prior{LatentDim: 3}, Height: 4, Width: 4, Channels: 1,
		Generator: gan.PlainG(func(scope *model.Scope, z *Node) *Node {
			x := nn.LeakyReLU(nn.Dense(scope.At("000_dense"), z, 8), 0.2)
			x = Tanh(nn.Dense(scope.At("001_dense"), x, 16))
			return nn.Reshape(x, 4, 4, 1)
		}),
		Discriminator: gan.PlainD(func(scope *model.Scope, x *Node) *Node {
			x = nn.LeakyReLU(nn.Dense(scope.At("000_dense"), nn.Flatten(x), 8), 0.2)
			x = nn.Dropout(scope.At("001_dropout"), x, 0.25)
			return nn.Dense(scope.At("002_dense"), x, 1)
		}),
	}
	cfg := gan.Config{Seed: 42, Settings: gan.Settings{gan.SettingBatchSize: 8}}
	switch kind {
	case "wgan":
		v.Name, v.Loss = "tiny-wgan", gan.Wasserstein()
		v.DConstraints = []gan.Constraint{func(scope *model.Scope, g *Graph) {
			gan.ClipVariables(scope, g, gan.DiscriminatorScope, 0.05)
		}}
		v.Settings = gan.Settings{gan.SettingCriticSteps: 2, "optimizer": "rmsprop", "learning_rate": 5e-4}
	case "momentum":
		v.Name = "tiny-momentum"
		v.Settings = optim.GoodfellowMomentumSettings(8)
	}
	return v, cfg
}

// v027LearningRates: the learning rates stored in the checkpoints (set by hand before saving, so that they differ
// from the optimizers' defaults), by kind and player. Momentum has no learning-rate variable.
var v027LearningRates = map[string]map[string]float32{
	"adam": {gan.DiscriminatorScope: 1.5e-4, gan.GeneratorScope: 2.5e-4},
	"wgan": {gan.DiscriminatorScope: 4e-4, gan.GeneratorScope: 3e-4},
}

// v027Blobs: 64 images 4×4 in [0,1]: a bright square at a random corner (gan_test.go's blobs at v0.27).
func v027Blobs() []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	px := make([]float32, 64*16)
	for i := range 64 {
		cy, cx := rng.IntN(3), rng.IntN(3)
		for y := range 2 {
			for x := range 2 {
				px[i*16+(cy+y)*4+cx+x] = 0.8 + 0.2*rng.Float32()
			}
		}
	}
	return px
}

func newV027Trainer(t *testing.T, kind string) *gan.Trainer {
	t.Helper()
	v, cfg := v027Variant(kind)
	tr, err := gan.New(backendtest.Go(t), v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetData(v027Blobs(), 64, 4, 4, 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	return tr
}

// copyV027Run copies testdata/v027-<kind> into a temporary folder (nothing writes into testdata).
func copyV027Run(t *testing.T, kind string) string {
	t.Helper()
	src := filepath.Join("testdata", "v027-"+kind)
	dst := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// storedVariables reads every variable of the newest checkpoint in runDir: path -> (dtype, raw bytes).
type storedVar struct {
	dtype dtypes.DType
	dims  []int
	data  []byte
}

func storedVariables(t *testing.T, runDir string) (*gan.Meta, map[string]storedVar) {
	t.Helper()
	meta, dir, err := gan.ReadMeta(runDir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "vars.bin"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storedVar{}
	for _, sv := range meta.Variables {
		out[model.JoinPath(sv.Scope, sv.Name)] = storedVar{sv.DType, sv.Dims, raw[sv.Offset : sv.Offset+sv.Length]}
	}
	return meta, out
}

func int64Of(b []byte) int64     { return int64(binary.LittleEndian.Uint64(b)) }
func float32Of(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// expectedV028 is the format-2 layout the test expects for a format-1 checkpoint's variables (the table of
// docs/gomlx-v0.28-migration.md §3.5), written out independently of checkpoint.go's mapping.
func expectedV028(t *testing.T, old map[string]storedVar) map[string]storedVar {
	t.Helper()
	players := map[string]string{"/d_optimizer/": "/discriminator/", "/g_optimizer/": "/generator/"}
	want := map[string]storedVar{}
	var globalStep int64
	for key, v := range old {
		newKey := key
		for o, n := range players {
			if rest, ok := strings.CutPrefix(key, o); ok {
				newKey = n + rest
			}
		}
		switch {
		case key == "/d_optimizer/global_step" || key == "/g_optimizer/global_step":
			globalStep += int64Of(v.data)
			continue
		case strings.HasSuffix(key, "_optimizer/AdamOptimizer/global_step"):
			newKey = strings.TrimSuffix(newKey, "global_step") + "step"
			v = storedVar{dtypes.Float32, nil, binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(int64Of(v.data))))}
		}
		if _, dup := want[newKey]; dup {
			t.Fatalf("test mapping: %s twice", newKey)
		}
		want[newKey] = v
	}
	want["/global_step"] = storedVar{dtypes.Int64, nil, binary.LittleEndian.AppendUint64(nil, uint64(globalStep))}
	return want
}

// TestLoadV027Checkpoint: a checkpoint written by ganlab on GoMLX v0.27 (format 1, checked in under testdata) loads
// into this version with its optimizer state renamed: the networks' weights are the stored ones, Adam's
// bias-correction step, the learning rates, RMSProp's and Momentum's state are kept under their new paths, no
// /d_optimizer or /g_optimizer entry is left, and training resumes exactly where v0.27 went on (the losses of
// steps 4 and 5 that v0.27 recorded after the save).
func TestLoadV027Checkpoint(t *testing.T) {
	for _, kind := range []string{"adam", "wgan", "momentum"} {
		t.Run(kind, func(t *testing.T) {
			dir := copyV027Run(t, kind)
			meta, old := storedVariables(t, dir)
			if meta.Format != 1 || meta.Step != 3 {
				t.Fatalf("testdata checkpoint: format %d step %d, want format 1 step 3", meta.Format, meta.Step)
			}
			want := expectedV028(t, old)
			wantKeys := slices.Sorted(func(yield func(string) bool) {
				for k := range want {
					if !yield(k) {
						return
					}
				}
			})

			// 1. Right after Load, every value of a variable that does not exist yet (all but the RNG state) waits
			// in the loader, under its new path.
			peek := newV027Trainer(t, kind)
			var inLoader []string
			for _, key := range wantKeys {
				if peek.Scope.Store().GetVariable(key) == nil {
					inLoader = append(inLoader, key)
				}
			}
			if _, err := peek.Load(dir); err != nil {
				t.Fatal(err)
			}
			if peek.Step() != 3 {
				t.Fatalf("loaded step %d, want 3", peek.Step())
			}
			unclaimed := peek.UnclaimedCheckpointVariables()
			for _, key := range unclaimed {
				if strings.HasPrefix(key, "/d_optimizer") || strings.HasPrefix(key, "/g_optimizer") {
					t.Errorf("old path %s left in the loader", key)
				}
			}
			if !slices.Equal(unclaimed, inLoader) {
				t.Errorf("loader holds\n  %v\nwant\n  %v", unclaimed, inLoader)
			}
			// Each value, fetched the way the graphs fetch it (Store.GetVariable consults the loader).
			for _, key := range wantKeys {
				w := want[key]
				v := peek.Scope.Store().GetVariable(key)
				if v == nil {
					t.Errorf("%s: not in the loaded trainer", key)
					continue
				}
				got := v.MustValue()
				if got.DType() != w.dtype || !slices.Equal(got.Shape().Dimensions, w.dims) {
					t.Errorf("%s: %s, want %s%v", key, got.Shape(), w.dtype, w.dims)
					continue
				}
				var data []byte
				if err := got.ConstBytes(func(b []byte) { data = slices.Clone(b) }); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(data, w.data) {
					t.Errorf("%s: value differs from the stored one", key)
				}
			}
			if left := peek.UnclaimedCheckpointVariables(); len(left) != 0 {
				t.Errorf("still unclaimed after fetching every expected path: %v", left)
			}
			// The named state, spelled out.
			scalar := func(key string) storedVar {
				v, ok := want[key]
				if !ok {
					t.Fatalf("no %s in the mapped checkpoint", key)
				}
				return v
			}
			steps := int64(meta.Step * (meta.CriticSteps + 1))
			if g := int64Of(scalar("/global_step").data); g != steps {
				t.Errorf("/global_step %d, want %d (D and G updates of 3 steps)", g, steps)
			}
			for player, lr := range v027LearningRates[kind] {
				if got := float32Of(scalar("/" + player + "/optimizers/learning_rate").data); got != lr {
					t.Errorf("%s learning rate %g, want the stored %g", player, got, lr)
				}
			}
			switch kind {
			case "adam":
				for _, player := range []string{gan.DiscriminatorScope, gan.GeneratorScope} {
					if got := float32Of(scalar("/" + player + "/AdamOptimizer/step").data); got != 3 {
						t.Errorf("%s Adam step %g, want 3", player, got)
					}
				}
			case "wgan":
				key := "/discriminator/rmsprop/discriminator/002_dense/weights_square_avg"
				if !slices.Equal(scalar(key).data, old["/d_optimizer/rmsprop/discriminator/002_dense/weights_square_avg"].data) {
					t.Errorf("%s is not the stored running average", key)
				}
				if float32Of(scalar(key).data) == 0 {
					t.Errorf("%s is zero: the testdata is too trivial", key)
				}
			case "momentum":
				for _, player := range []string{gan.DiscriminatorScope, gan.GeneratorScope} {
					if got := int64Of(scalar("/" + player + "/momentum_step").data); got != 3 {
						t.Errorf("%s momentum step %d, want 3", player, got)
					}
				}
			}

			// 2. Two more steps: the graphs claim every loaded value, and the run goes on as v0.27's did.
			tr := newV027Trainer(t, kind)
			if _, err := tr.Load(dir); err != nil {
				t.Fatal(err)
			}
			if err := tr.Train(5); err != nil {
				t.Fatal(err)
			}
			if left := tr.UnclaimedCheckpointVariables(); len(left) != 0 {
				t.Errorf("checkpointed variables nothing claimed after 2 steps: %v", left)
			}
			raw, err := os.ReadFile(filepath.Join(dir, "continued.json"))
			if err != nil {
				t.Fatal(err)
			}
			var continued []gan.Record
			if err := json.Unmarshal(raw, &continued); err != nil {
				t.Fatal(err)
			}
			if len(tr.History) != 5 || len(continued) != 2 {
				t.Fatalf("history %d records (want 5), continued.json %d (want 2)", len(tr.History), len(continued))
			}
			for i, w := range continued {
				got := tr.History[3+i]
				for _, c := range []struct {
					what      string
					got, want float64
				}{{"D loss", got.DLoss, w.DLoss}, {"G loss", got.GLoss, w.GLoss}, {"W estimate", got.WEstimate, w.WEstimate}} {
					if math.Abs(c.got-c.want) > 1e-5 {
						t.Errorf("step %d %s: resumed in v0.28 %.7f, v0.27 went on with %.7f", w.Step, c.what, c.got, c.want)
					}
				}
			}
			store := tr.Scope.Store()
			if g := store.GetVariable("/global_step"); g == nil || g.MustValue().Value().(int64) != steps+2*int64(meta.CriticSteps+1) {
				t.Errorf("/global_step after 2 more steps: %v, want %d", g, steps+2*int64(meta.CriticSteps+1))
			}
			if kind == "adam" {
				for _, player := range []string{gan.DiscriminatorScope, gan.GeneratorScope} {
					if v := store.GetVariable("/" + player + "/AdamOptimizer/step"); v == nil || v.MustValue().Value().(float32) != 5 {
						t.Errorf("%s Adam step after 2 more steps: %v, want 5 (3 stored + 2)", player, v)
					}
				}
			}
			for player, lr := range v027LearningRates[kind] {
				if v := store.GetVariable("/" + player + "/optimizers/learning_rate"); v == nil || v.MustValue().Value().(float32) != lr {
					t.Errorf("%s learning rate after 2 more steps: %v, want %g", player, v, lr)
				}
			}

			// 3. Saved again, it is a format-2 checkpoint without old paths, which loads with nothing left over.
			again := t.TempDir()
			if _, err := tr.Save(again, 1, nil); err != nil {
				t.Fatal(err)
			}
			meta2, saved := storedVariables(t, again)
			if meta2.Format != 2 {
				t.Errorf("saved format %d, want 2", meta2.Format)
			}
			keys := make([]string, 0, len(saved))
			for k := range saved {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !slices.Equal(keys, wantKeys) {
				t.Errorf("saved variables\n  %v\nwant the mapped ones\n  %v", keys, wantKeys)
			}
			third := newV027Trainer(t, kind)
			if _, err := third.Load(again); err != nil {
				t.Fatal(err)
			}
			if err := third.Train(6); err != nil {
				t.Fatal(err)
			}
			if left := third.UnclaimedCheckpointVariables(); len(left) != 0 {
				t.Errorf("format 2: unclaimed after a step: %v", left)
			}
		})
	}
}

// rewriteMeta applies edit to the meta.json of the newest checkpoint in runDir (and appends extra to vars.bin).
func rewriteMeta(t *testing.T, runDir string, extra []byte, edit func(m *gan.Meta, binSize int64)) string {
	t.Helper()
	_, dir, err := gan.ReadMeta(runDir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "vars.bin")
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	metaPath := filepath.Join(dir, "meta.json")
	mraw, err := os.ReadFile(metaPath)
	if err != nil {
		t.Fatal(err)
	}
	var m gan.Meta
	if err := json.Unmarshal(mraw, &m); err != nil {
		t.Fatal(err)
	}
	edit(&m, int64(len(raw)))
	if mraw, err = json.Marshal(&m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(metaPath, mraw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, append(raw, extra...), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLoadV027CheckpointRefusedWhenUnmappable: a format-1 checkpoint whose names cannot be mapped is refused with
// an error that names its folder and says it comes from an older ganlab; nothing is loaded.
func TestLoadV027CheckpointRefusedWhenUnmappable(t *testing.T) {
	// Two variables that would get the same path: /d_optimizer/optimizers/learning_rate and a
	// /discriminator/optimizers/learning_rate of its own.
	run := copyV027Run(t, "adam")
	lr := binary.LittleEndian.AppendUint32(nil, math.Float32bits(1e-3))
	ckpt := rewriteMeta(t, run, lr, func(m *gan.Meta, size int64) {
		for _, sv := range m.Variables {
			if sv.Scope == "/d_optimizer/optimizers" && sv.Name == "learning_rate" {
				sv.Scope, sv.Offset = "/discriminator/optimizers", size
				m.Variables = append(m.Variables, sv)
				return
			}
		}
		t.Fatal("no /d_optimizer/optimizers/learning_rate in the testdata")
	})
	checkRefusal := func(err error, detail string) {
		t.Helper()
		if err == nil {
			t.Fatal("an unmappable format-1 checkpoint was loaded")
		}
		for _, s := range []string{ckpt, "older ganlab", "GoMLX v0.27", "format 1", detail} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not say %q", err, s)
			}
		}
	}
	tr := newV027Trainer(t, "adam")
	_, err := tr.Load(run)
	checkRefusal(err, "/discriminator/optimizers/learning_rate")
	if tr.Step() != 0 || tr.UnclaimedCheckpointVariables() != nil {
		t.Errorf("a refused checkpoint was partly loaded: step %d, loader %v", tr.Step(), tr.UnclaimedCheckpointVariables())
	}

	// Adam's step counter that is not the int64 scalar v0.27 wrote.
	run = copyV027Run(t, "adam")
	ckpt = rewriteMeta(t, run, nil, func(m *gan.Meta, _ int64) {
		for i, sv := range m.Variables {
			if sv.Scope == "/g_optimizer/AdamOptimizer" && sv.Name == "global_step" {
				m.Variables[i].DType, m.Variables[i].Dims = dtypes.Float32, []int{2}
				return
			}
		}
		t.Fatal("no /g_optimizer/AdamOptimizer/global_step in the testdata")
	})
	_, err = newV027Trainer(t, "adam").Load(run)
	checkRefusal(err, "/g_optimizer/AdamOptimizer/global_step")
}

// TestCheckpointOfUnknownFormat: a checkpoint of a format this ganlab does not know is not skipped as if the folder
// were empty (a new run would then overwrite it): HasCheckpoint reports it, ReadMeta and Load fail naming its file.
func TestCheckpointOfUnknownFormat(t *testing.T) {
	run := copyV027Run(t, "adam")
	ckpt := rewriteMeta(t, run, nil, func(m *gan.Meta, _ int64) { m.Format = 7 })
	if !gan.HasCheckpoint(run) {
		t.Error("HasCheckpoint: false for a folder holding a checkpoint of format 7")
	}
	metaPath := filepath.Join(ckpt, "meta.json")
	if _, _, err := gan.ReadMeta(run); err == nil || !strings.Contains(err.Error(), metaPath) || !strings.Contains(err.Error(), "format 7") {
		t.Errorf("ReadMeta: want an error naming %s and format 7, got %v", metaPath, err)
	}
	if _, err := newV027Trainer(t, "adam").Load(run); err == nil || !strings.Contains(err.Error(), metaPath) {
		t.Errorf("Load: want an error naming %s, got %v", metaPath, err)
	}
}
