package gan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/ui/commandline"
)

// Settings are a run's hyperparameters as GoMLX model parameters (STYLE §4): learning rates, betas, batch size,
// critic steps, a variant's λs. Keys are a parameter's name ("learning_rate"), set for the whole model, or a
// player's scope and the name ("generator/learning_rate"), set for that player only (GoMLX's scoped parameters: a
// player's optimizer reads the value nearest to its scope).
//
// They have one source and flow one way: the trainer's defaults (DefaultSettings), overridden by the variant's
// (Variant.Settings), overridden by the user's (Config.Settings, the CLI's -set/-lr/-batch). The store holds them;
// the trainer, the optimizers (package optim) and a variant's parts read them from there; the checkpoint stores
// them; a resumed run takes the checkpoint's, except the ones the user set again, which win and are stored with
// the next checkpoint.
type Settings map[string]any

// Names of the settings the trainer itself reads. The optimizers read theirs (optim.FromScope: "optimizer",
// "learning_rate", GoMLX's "adam_beta1" and "adam_beta2", ...).
const (
	SettingBatchSize   = "batch_size"
	SettingCriticSteps = "critic_steps"
)

// DefaultSettings are the trainer's defaults, the lecture's Keras loop: batch 64, one D step per G step, Adam
// (2e-4, β1 0.5, β2 0.999) for both players (Radford et al. 2015).
func DefaultSettings() Settings {
	return Settings{
		SettingBatchSize:   64,
		SettingCriticSteps: 1,
		"optimizer":        "adam",
		"learning_rate":    2e-4,
		"adam_beta1":       0.5,
		"adam_beta2":       0.999,
	}
}

// settingPath is the store path of a setting key: "/name" or "/scope/name".
func settingPath(key string) string {
	return model.ScopeSeparator + strings.TrimPrefix(key, model.ScopeSeparator)
}

// baseName is the parameter name of a key, without its scope.
func baseName(key string) string { return model.BasePath(settingPath(key)) }

// defaultsOf are a variant's settings over the trainer's.
func defaultsOf(v Variant) Settings {
	s := DefaultSettings()
	maps.Copy(s, v.Settings)
	return s
}

// AllSettings returns every setting of a variant with its default: the trainer's and the variant's.
func AllSettings(v Variant) Settings { return defaultsOf(v) }

// FormatSettings lists settings one per line, sorted, as "name = value".
func FormatSettings(s Settings) string {
	var sb strings.Builder
	for _, k := range slices.Sorted(maps.Keys(s)) {
		fmt.Fprintf(&sb, "%s = %v\n", k, s[k])
	}
	return sb.String()
}

// ParseSettings reads GoMLX's command-line form of settings, "name=value;scope/name=value;..." (the value of
// ganlab train -set), into Settings typed as the variant's defaults. Every name must be a setting of the variant.
func ParseSettings(v Variant, text string) (Settings, error) {
	store := model.NewStore()
	defaults := defaultsOf(v)
	for k, val := range defaults {
		store.SetParam(settingPath(k), val)
	}
	changed, err := commandline.ParseSettings(store, text)
	if err != nil {
		return nil, fmt.Errorf("settings %q: %v; the settings of %s are:\n%s", text, err, v.Name, FormatSettings(defaults))
	}
	out := Settings{}
	for _, path := range changed {
		val, _ := store.GetParam(path)
		out[strings.TrimPrefix(path, model.ScopeSeparator)] = val
	}
	return out, nil
}

// checkSettings checks that every key of s names a setting of v and converts numbers to the default's type (an int
// given for a float setting, a whole float for an int one).
func checkSettings(v Variant, s Settings) (Settings, error) {
	defaults := defaultsOf(v)
	byBase := map[string]any{}
	for k, val := range defaults {
		byBase[baseName(k)] = val
	}
	out := Settings{}
	for k, val := range s {
		def, ok := byBase[baseName(k)]
		if !ok {
			return nil, fmt.Errorf("%s has no setting %q; its settings are:\n%s", v.Name, k, FormatSettings(defaults))
		}
		conv, err := convertSetting(def, val)
		if err != nil {
			return nil, fmt.Errorf("setting %s: %v", k, err)
		}
		out[k] = conv
	}
	return out, nil
}

func convertSetting(def, val any) (any, error) {
	switch def.(type) {
	case float64:
		switch x := val.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case int:
			return float64(x), nil
		}
	case int:
		switch x := val.(type) {
		case int:
			return x, nil
		case float64:
			if x == float64(int(x)) {
				return int(x), nil
			}
		}
	case string:
		if x, ok := val.(string); ok {
			return x, nil
		}
	case bool:
		if x, ok := val.(bool); ok {
			return x, nil
		}
	}
	return nil, fmt.Errorf("value %v (%T) does not fit the default %v (%T)", val, val, def, def)
}

// installSettings puts the variant's defaults and then the user's settings into the trainer's store.
func (t *Trainer) installSettings() error {
	for k, val := range defaultsOf(t.Variant) {
		t.Scope.Store().SetParam(settingPath(k), val)
	}
	user, err := checkSettings(t.Variant, t.Config.Settings)
	if err != nil {
		return err
	}
	t.explicit = user
	t.applyExplicit()
	return nil
}

// applyExplicit puts the user's settings into the store. A name given alone sets it for the whole model: it also
// replaces the scoped defaults of that name (InfoGAN's generator/learning_rate for a learning_rate given alone);
// a scoped one then sets its scope's.
func (t *Trainer) applyExplicit() {
	store := t.Scope.Store()
	for _, k := range slices.Sorted(maps.Keys(t.explicit)) {
		if strings.Contains(k, model.ScopeSeparator) {
			continue
		}
		store.SetParam(settingPath(k), t.explicit[k])
		for path := range t.Settings() {
			if baseName(path) == k && path != k {
				store.SetParam(settingPath(path), t.explicit[k])
			}
		}
	}
	for k, val := range t.explicit {
		if strings.Contains(k, model.ScopeSeparator) {
			store.SetParam(settingPath(k), val)
		}
	}
}

// Setting returns the value of a setting as the scope key (e.g. "generator/learning_rate", or "batch_size" for
// the root) sees it: its own value or the nearest one above it.
func (t *Trainer) Setting(key string) any {
	scope, name := model.SplitPath(settingPath(key))
	s := t.Scope.Store().RootScope()
	if scope != model.RootScopePath {
		s = s.In("%s", strings.TrimPrefix(scope, model.ScopeSeparator))
	}
	val, _ := s.GetParam(name)
	return val
}

// Settings returns every setting stored for the run (its defaults, the variant's, the user's), keyed as in
// Settings.
func (t *Trainer) Settings() Settings {
	out := Settings{}
	for path, val := range t.Scope.Store().IterParams() {
		if key := strings.TrimPrefix(path, model.ScopeSeparator); t.isSetting(key) {
			out[key] = val
		}
	}
	return out
}

func (t *Trainer) isSetting(key string) bool {
	for k := range defaultsOf(t.Variant) {
		if baseName(k) == baseName(key) {
			return true
		}
	}
	return false
}

func (t *Trainer) batchSize() int   { return model.GetParamOr(t.Scope, SettingBatchSize, 64) }
func (t *Trainer) criticSteps() int { return max(model.GetParamOr(t.Scope, SettingCriticSteps, 1), 1) }

// Set changes a setting of the trainer between steps, e.g. Set("discriminator/learning_rate", 0) to freeze D. A
// changed learning rate takes effect at the next step (the players' learning-rate variables follow it). Any other
// setting may shape the graphs (batch size, critic steps, a λ, a growing network's stage), so the compiled steps
// are dropped and built again with it at the next step; variables keep their values, and new ones (a new layer)
// are created then.
func (t *Trainer) Set(key string, value any) error {
	s, err := checkSettings(t.Variant, Settings{key: value})
	if err != nil {
		return err
	}
	if b, ok := s[key].(int); ok && key == SettingBatchSize && (b < 1 || (t.n > 0 && t.n < b)) {
		return fmt.Errorf("batch_size %d: want at least 1 and at most the %d images of the data", b, t.n)
	}
	t.Scope.Store().SetParam(settingPath(key), s[key])
	if baseName(key) == optimizer.ParamLearningRate {
		t.syncLearningRates()
		return nil
	}
	t.dStep, t.gStep, t.sampler, t.judge, t.judges = nil, nil, nil, nil, nil
	t.permEpoch = -1
	return nil
}

// syncLearningRates writes each player's learning_rate setting into its optimizer's learning-rate variable (GoMLX
// reads the setting only when it creates the variable; a checkpoint's stored variable would otherwise win).
func (t *Trainer) syncLearningRates() {
	for _, player := range []string{DiscriminatorScope, GeneratorScope} {
		lr, ok := t.Setting(player + "/" + optimizer.ParamLearningRate).(float64)
		if !ok {
			continue
		}
		key := model.JoinPath(model.ScopeSeparator+player, optimizer.Scope, optimizer.ParamLearningRate)
		if v := t.Scope.Store().GetVariable(key); v != nil {
			v.MustSetValue(scalarLike(v.Shape(), lr))
		} else if l, ok := t.Scope.Store().Loader().(*loader); ok && l != nil && l.values[key] != nil {
			l.values[key] = scalarLike(l.values[key].Shape(), lr)
		}
	}
}

// scalarLike is lr as a scalar tensor of shape's dtype.
func scalarLike(shape shapes.Shape, lr float64) *tensors.Tensor {
	if shape.DType == dtypes.Float64 {
		return tensors.FromValue(lr)
	}
	return tensors.FromValue(float32(lr))
}
