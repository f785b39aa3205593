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

// MRILocation says where the brain-MRI set of notebook 06 is (LocateMRI).
type MRILocation struct {
	// Dir is the folder of training images that LoadTrain(MRIName) reads.
	Dir string
	// Env: Dir is $GANLAB_MRI_DIR (Kaggle's brain-mri-images-for-brain-tumor-detection, the folder holding yes/
	// and no/, or any folder of slices).
	Env bool
	// Build is the folder BuildMRI writes by default, <data root>/brain-mri (Dir is its no/), when not Env.
	Build string
	// Ready: Env, or Build holds a BuildMRI folder of this version (NOTICE and slices.csv).
	Ready bool
}

// LocateMRI finds the brain-MRI set without reading or building it: $GANLAB_MRI_DIR when set, else the slices
// that `ganlab data mri` (and EnsureMRI) build into <data root>/brain-mri (Dir "" when there is no data root).
func LocateMRI() MRILocation {
	if dir := os.Getenv("GANLAB_MRI_DIR"); dir != "" {
		return MRILocation{Dir: dir, Env: true, Ready: true}
	}
	root := DefaultDataRoot()
	if root == "" {
		return MRILocation{}
	}
	build := filepath.Join(root, "brain-mri")
	_, e1 := os.Stat(filepath.Join(build, "NOTICE"))
	_, e2 := os.Stat(filepath.Join(build, mriLevelsFile))
	return MRILocation{Dir: filepath.Join(build, "no"), Build: build, Ready: e1 == nil && e2 == nil}
}

// MRIDir is LocateMRI().Dir: the folder LoadTrain(MRIName) reads.
func MRIDir() string { return LocateMRI().Dir }

// EnsureMRI returns LocateMRI(), first building the registry slices (BuildMRI with the zero MRIOptions into its
// Build folder) when they are missing or were built by an earlier version without slices.csv. opts go to
// BuildMRI (Logf, Offline, DataRoot).
func EnsureMRI(opts ...Option) (MRILocation, error) {
	loc := LocateMRI()
	if loc.Ready {
		return loc, nil
	}
	if loc.Build == "" {
		return loc, fmt.Errorf("data %s: no project data folder (set GANLAB_HOME or GANLAB_MRI_DIR)", MRIName)
	}
	makeOptions(opts).logf("data: building the brain-MRI slices into %s (first use)", loc.Build)
	if _, err := BuildMRI(loc.Build, MRIOptions{}, opts...); err != nil {
		return loc, fmt.Errorf("%w (build the brain-MRI set with `ganlab data mri`, or point GANLAB_MRI_DIR at a folder of images)", err)
	}
	return LocateMRI(), nil
}

// LoadTrain loads training images by what a user names them, from the CLI's -data or a notebook: a dataset Load
// knows ("mnist", "fashion-mnist": its train split), MRIName (the folder LocateMRI names, built by EnsureMRI on
// first use: the slices that cut the cerebrum; from Kaggle's layout only its yes/ class, the tumour images the
// lecture's Kaggle notebook trains on, as notebook 06 does), or a folder of
// images (LoadFolder with fo: Kaggle layout or flat). Skipped files of a folder go to fo.Logf. An unknown name that is no
// folder is an error listing the choices.
func LoadTrain(spec string, fo FolderOptions, opts ...Option) (*Images, error) {
	if _, ok := datasets[spec]; ok || spec == SKDigitsName {
		return Load(spec, "train", opts...)
	}
	dir := spec
	if spec == MRIName {
		loc, err := EnsureMRI(opts...)
		if err != nil {
			return nil, err
		}
		dir = loc.Dir
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
