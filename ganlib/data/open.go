package data

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MRIName is the name LoadTrain gives the brain-MRI set of notebook 06 and the lecture's application.
const MRIName = "mri"

// MRIDir is the folder of the brain-MRI set, as notebook 06 reads it: $GANLAB_MRI_DIR when set (Kaggle's
// brain-mri-images-for-brain-tumor-detection, the folder holding yes/ and no/, or any folder of slices), else the
// slices `ganlab data mri` builds into <data root>/brain-mri/no ("" when there is no data root).
func MRIDir() string {
	if dir := os.Getenv("GANLAB_MRI_DIR"); dir != "" {
		return dir
	}
	if root := DefaultDataRoot(); root != "" {
		return filepath.Join(root, "brain-mri", "no")
	}
	return ""
}

// LoadTrain loads training images by what a user names them, from the CLI's -data or a notebook: a dataset Load
// knows ("mnist", "fashion-mnist": its train split), MRIName (the folder MRIDir names; from Kaggle's layout only
// its yes/ class, the tumour images the lecture's Kaggle notebook trains on, as notebook 06 does), or a folder of
// images (LoadFolder with fo: Kaggle layout or flat). Skipped files of a folder go to fo.Logf. An unknown name that is no
// folder is an error listing the choices.
func LoadTrain(spec string, fo FolderOptions, opts ...Option) (*Images, error) {
	if _, ok := datasets[spec]; ok || spec == SKDigitsName {
		return Load(spec, "train", opts...)
	}
	dir := spec
	if spec == MRIName {
		if dir = MRIDir(); dir == "" {
			return nil, fmt.Errorf("data %s: no project data folder (set GANLAB_HOME or GANLAB_MRI_DIR)", MRIName)
		}
	} else if st, err := os.Stat(spec); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("data %q: not a dataset (%s, %s) and not a folder of images", spec,
			strings.Join(Names(), ", "), MRIName)
	}
	im, _, err := LoadFolder(dir, fo)
	if spec != MRIName {
		return im, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w (build the brain-MRI set with `ganlab data mri`, or point GANLAB_MRI_DIR at a folder of images)", err)
	}
	if yes := slices.Index(im.ClassNames, "yes"); yes >= 0 {
		var idx []int
		for i, l := range im.Labels {
			if l == yes {
				idx = append(idx, i)
			}
		}
		im = im.Select(idx)
	}
	return im, nil
}
