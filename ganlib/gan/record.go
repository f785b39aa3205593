package gan

import (
	"encoding/json"
	"fmt"
	"maps"
)

// recordFields is Record without its Terms, for JSON.
type recordFields struct {
	Step      int     `json:"step"`
	Epoch     float64 `json:"epoch"`
	DLoss     float64 `json:"d_loss"`
	GLoss     float64 `json:"g_loss"`
	DReal     float64 `json:"d_real"`
	DFake     float64 `json:"d_fake"`
	WEstimate float64 `json:"w_estimate"`
}

// MarshalJSON writes the terms beside the fields, e.g. {"step":1,…,"grad_norm":0.98}, as histories always held them.
func (r Record) MarshalJSON() ([]byte, error) {
	f := recordFields{r.Step, r.Epoch, r.DLoss, r.GLoss, r.DReal, r.DFake, r.WEstimate}
	if len(r.Terms) == 0 {
		return json.Marshal(f)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	all := map[string]any{}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	for k, v := range r.Terms {
		if _, clash := all[k]; clash {
			return nil, fmt.Errorf("record term %q has the name of a field", k)
		}
		all[k] = v
	}
	return json.Marshal(all)
}

// UnmarshalJSON reads MarshalJSON's form: every number besides the fields is a term.
func (r *Record) UnmarshalJSON(b []byte) error {
	var f recordFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	var all map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	*r = Record{Step: f.Step, Epoch: f.Epoch, DLoss: f.DLoss, GLoss: f.GLoss, DReal: f.DReal, DFake: f.DFake, WEstimate: f.WEstimate}
	for _, k := range []string{"step", "epoch", "d_loss", "g_loss", "d_real", "d_fake", "w_estimate"} {
		delete(all, k)
	}
	for k, v := range all {
		if x, ok := v.(float64); ok {
			if r.Terms == nil {
				r.Terms = map[string]float64{}
			}
			r.Terms[k] = x
		}
	}
	return nil
}

// Term returns the value a loss term recorded under name in this step (0 when none).
func (r Record) Term(name string) float64 { return r.Terms[name] }

// clone copies the terms map so that records in a history never share one.
func (r Record) clone() Record {
	r.Terms = maps.Clone(r.Terms)
	return r
}
