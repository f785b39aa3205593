package experiments

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/gomlx/compute"

	"github.com/ganlab/ganlab/ganlib/data"
	"github.com/ganlab/ganlab/ganlib/gan"
	"github.com/ganlab/ganlab/ganlib/metrics"
	"github.com/ganlab/ganlab/ganlib/nbui"
)

// The brain-MRI measures (issue 27, docs/mri-measures.md): the copy check of the Kaggle protocol's generator
// against its 20 drawn training slices, and the anatomy measures on the features of the MRI level network
// (metrics.MRILevelNet): KID with its real-vs-real floor, precision and recall, the level the network reads in the
// samples, and MS-SSIM diversity beside the training set's own.
const (
	// MRIProtocolN and MRIProtocolSeed are the Kaggle notebook's draw: np.random.seed(40); 20 slices with
	// replacement (data.Images.SubsetNumPy), from the slices that cut the cerebrum.
	MRIProtocolN    = 20
	MRIProtocolSeed = 40
	// MRIHeldOutVolume is the head the level network does not train on: its error is measured there.
	MRIHeldOutVolume = "unc"
	// MRILevelNetSteps and MRILevelNetSeed: the level network's training.
	MRILevelNetSteps = 600
	MRILevelNetSeed  = 27
	mriMSSSIMPairs   = 300
	mriKIDSubsets    = 50
)

// TrainMRILevelNetOn trains the MRI level network on every slice that `ganlab data mri` wrote into buildDir (the
// training set and the excluded head slices, with their levels from slices.csv), leaving out the volumes heldOut.
// cerebrumMAE is its mean absolute level error on the held-out heads' slices that cut the cerebrum (levels in
// [0, 1]; the net's HeldOutMAE counts their skull base and neck too).
func TrainMRILevelNetOn(b compute.Backend, buildDir string, heldOut []string, steps int, seed uint64, logf func(string, ...any)) (net *metrics.MRILevelNet, cerebrumMAE float64, err error) {
	im, rows, err := data.LoadMRISlices(buildDir, metrics.MRINetSide)
	if err != nil {
		return nil, 0, err
	}
	levels := make([]float64, len(rows))
	volumes := make([]string, len(rows))
	for i, r := range rows {
		levels[i], volumes[i] = r.Level, r.Volume
	}
	net, err = metrics.TrainMRILevelNet(b, im.Pixels, im.N, im.H, levels, volumes, heldOut, steps, seed, logf)
	if err != nil {
		return nil, 0, err
	}
	// The error on the held-out heads' slices that cut the cerebrum, the levels the measures are about.
	var idx []int
	for i, r := range rows {
		if r.Kept && slices.Contains(heldOut, r.Volume) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return net, math.NaN(), nil
	}
	sel := im.Select(idx)
	pred, _, err := net.Analyze(sel.Pixels, sel.N, sel.H)
	if err != nil {
		return nil, 0, err
	}
	for k, i := range idx {
		cerebrumMAE += math.Abs(float64(pred[k]) - levels[i])
	}
	return net, cerebrumMAE / float64(len(idx)), nil
}

// MRIMeasures compares sets of side×side slices with the real ones.
type MRIMeasures struct {
	Net  *metrics.MRILevelNet
	Side int
	// Kept is the default training set (the slices that cut the cerebrum); Drawn indexes the Kaggle protocol's
	// 20 training slices in it (with repeats), Train holds them without repeats and HeldOut the other kept slices.
	Kept          *data.Images
	Drawn         []int
	Train         *data.Images
	HeldOut       *data.Images
	Ref, Other    *data.Images // the two halves of Kept (seeded): the reference of KID and precision/recall, and the real set scored against it (the floor)
	refFeats      []float32
	backend       compute.Backend
	sampleDefault int
}

// MRIScores are the measures of one set of slices.
type MRIScores struct {
	Name string
	N    int
	// KID against the reference half of the kept slices (mean and standard deviation over subsets), on the level
	// network's features.
	KID, KIDStd float64
	// Manifold: precision, recall, density and coverage (k = metrics.DefaultK) on the unit-length features.
	Manifold metrics.Manifold
	// MeanLevel and LevelStd: the mean and standard deviation of the level the network reads in the set's slices
	// (the real slices spread evenly over [0, 1]: mean about 0.5, deviation about 0.29; a generator stuck at one
	// level has a small deviation). On images that look like no slice the network's reading means little.
	MeanLevel, LevelStd float64
	// MSSSIM is the mean MS-SSIM of random pairs of the set: lower is more varied.
	MSSSIM float64
	// Copy is the copy check against the 20 training slices (nil for real sets).
	Copy *metrics.CopyCheck
}

// NewMRIMeasures loads the slices that `ganlab data mri` wrote into buildDir at side×side, draws the Kaggle
// protocol's 20, and splits the kept slices into two halves (seeded): the reference of KID and precision/recall,
// and the real set that gives their floor.
func NewMRIMeasures(b compute.Backend, net *metrics.MRILevelNet, buildDir string, side int) (*MRIMeasures, error) {
	all, rows, err := data.LoadMRISlices(buildDir, side)
	if err != nil {
		return nil, err
	}
	var keptIdx []int
	for i, r := range rows {
		if r.Kept {
			keptIdx = append(keptIdx, i)
		}
	}
	m := &MRIMeasures{Net: net, Side: side, backend: b, Kept: all.Select(keptIdx)}
	_, m.Drawn = m.Kept.SubsetNumPy(MRIProtocolN, MRIProtocolSeed)
	unique := slices.Clone(m.Drawn)
	slices.Sort(unique)
	unique = slices.Compact(unique)
	var rest []int
	for i := range m.Kept.N {
		if _, found := slices.BinarySearch(unique, i); !found {
			rest = append(rest, i)
		}
	}
	m.Train, m.HeldOut = m.Kept.Select(unique), m.Kept.Select(rest)
	perm := rand.New(rand.NewPCG(MRIProtocolSeed, 2)).Perm(m.Kept.N)
	m.Ref, m.Other = m.Kept.Select(perm[:m.Kept.N/2]), m.Kept.Select(perm[m.Kept.N/2:])
	if _, m.refFeats, err = net.Analyze(m.Ref.Pixels, m.Ref.N, side); err != nil {
		return nil, err
	}
	m.sampleDefault = m.Other.N
	return m, nil
}

// SampleCount is the number of samples to score so that they compare with the floor: as many as the real half
// that gives it.
func (m *MRIMeasures) SampleCount() int { return m.sampleDefault }

// Score measures n slices (side×side, pixels in [0, 1]); copies runs the copy check (for generated sets).
func (m *MRIMeasures) Score(name string, px []float32, n int, copies bool) (MRIScores, error) {
	s := MRIScores{Name: name, N: n}
	levels, feats, err := m.Net.Analyze(px, n, m.Side)
	if err != nil {
		return s, err
	}
	dim := metrics.MRIFeatureDim
	if s.KID, s.KIDStd, err = metrics.KIDSubsets(feats, n, m.refFeats, m.Ref.N, dim, min(n, m.Ref.N, 50), mriKIDSubsets, 1); err != nil {
		return s, err
	}
	if n > metrics.DefaultK {
		if s.Manifold, err = metrics.ManifoldScores(nil, metrics.UnitRows(m.refFeats, dim), m.Ref.N, metrics.UnitRows(feats, dim), n, dim, metrics.DefaultK); err != nil {
			return s, err
		}
	}
	for _, l := range levels {
		s.MeanLevel += float64(l)
	}
	s.MeanLevel /= float64(n)
	for _, l := range levels {
		s.LevelStd += (float64(l) - s.MeanLevel) * (float64(l) - s.MeanLevel)
	}
	s.LevelStd = math.Sqrt(s.LevelStd / float64(n))
	if s.MSSSIM, err = metrics.MeanMSSSIM(px, n, m.Side, m.Side, mriMSSSIMPairs, 1); err != nil {
		return s, err
	}
	if copies {
		c, err := metrics.CheckCopies(m.backend, px, n, m.Train.Pixels, m.Train.N, m.HeldOut.Pixels, m.HeldOut.N, m.Side*m.Side)
		if err != nil {
			return s, err
		}
		s.Copy = &c
	}
	return s, nil
}

// RealRows scores the real sets that frame a generator's numbers: the other half of the kept slices (the floor:
// what a generator drawing like the data would score), the 20 training slices (what a generator that redraws
// them exactly would score), and the other half with pixel noise (how much noise alone costs).
func (m *MRIMeasures) RealRows() ([]MRIScores, error) {
	floor, err := m.Score(fmt.Sprintf("real: the other %d kept slices (floor)", m.Other.N), m.Other.Pixels, m.Other.N, false)
	if err != nil {
		return nil, err
	}
	train, err := m.Score(fmt.Sprintf("real: the %d distinct training slices", m.Train.N), m.Train.Pixels, m.Train.N, false)
	if err != nil {
		return nil, err
	}
	// The caveat row: the same real slices with pixel noise, which the features should tolerate to some degree.
	noisy, err := m.Score(fmt.Sprintf("real: the other %d, + Gaussian noise (sd 0.1)", m.Other.N), metrics.AddNoise(m.Other.Pixels, 0.1, 1), m.Other.N, false)
	if err != nil {
		return nil, err
	}
	return []MRIScores{floor, train, noisy}, nil
}

// GeneratorSamples draws n samples of tr in batches of 50 from seed, as pixels in [0, 1].
func GeneratorSamples(tr *gan.Trainer, n int, seed uint64) ([]float32, error) {
	var out []float32
	for start := 0; start < n; start += 50 {
		px, err := tr.RandomSamples(min(50, n-start), seed+uint64(start))
		if err != nil {
			return nil, err
		}
		for _, v := range px {
			out = append(out, float32(math.Min(math.Max((float64(v)+1)/2, 0), 1)))
		}
	}
	return out, nil
}

// FormatMRITable lays the scores out as a Markdown table.
func FormatMRITable(rows []MRIScores) string {
	var b strings.Builder
	b.WriteString("| set | n | KID ×100 (± sd) | precision | recall | density | coverage | level: mean ± sd | MS-SSIM | copy check: median NN distance, samples / held-out |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		copyCol := "—"
		if r.Copy != nil {
			copyCol = fmt.Sprintf("%.2f / %.2f (ratio %.2f, %d near-copies)", r.Copy.SampleMedian, r.Copy.HeldOutMedian, r.Copy.Ratio(), r.Copy.NearCopies)
		}
		fmt.Fprintf(&b, "| %s | %d | %.2f ± %.2f | %.2f | %.2f | %.2f | %.2f | %.2f ± %.2f | %.3f | %s |\n", r.Name, r.N, 100*r.KID, 100*r.KIDStd,
			r.Manifold.Precision, r.Manifold.Recall, r.Manifold.Density, r.Manifold.Coverage, r.MeanLevel, r.LevelStd, r.MSSSIM, copyCol)
	}
	return b.String()
}

// NearestPairsPNG shows each sample beside its nearest training image, framed in yellow as in Figure 2
// (GoodfellowFigure2PNG): n pairs of side×side single-channel images in [0, 1], pairsPerRow pairs a row, each
// pixel enlarged scale times.
func NearestPairsPNG(samples, nearest []float32, n, side, pairsPerRow, scale int) ([]byte, error) {
	size := side * side
	if n < 1 || pairsPerRow < 1 || scale < 1 || len(samples) != n*size || len(nearest) != n*size {
		return nil, fmt.Errorf("NearestPairsPNG: want %d samples and %d neighbours of %d×%d pixels, got %d and %d values", n, n, side, side, len(samples), len(nearest))
	}
	const gap, pairGap, frame = 2, 12, 2
	tile := side*scale + 2*frame
	pairW := 2*tile + gap
	rows := (n + pairsPerRow - 1) / pairsPerRow
	img := image.NewRGBA(image.Rect(0, 0, pairsPerRow*(pairW+pairGap)+pairGap-gap, rows*(tile+pairGap)+pairGap))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.White}, image.Point{}, draw.Src)
	yellow := color.RGBA{255, 210, 0, 255}
	put := func(px []float32, x0, y0 int, framed bool) {
		if framed {
			draw.Draw(img, image.Rect(x0, y0, x0+tile, y0+tile), &image.Uniform{yellow}, image.Point{}, draw.Src)
		}
		for y := range side * scale {
			for x := range side * scale {
				v := uint8(math.Round(255 * math.Min(math.Max(float64(px[(y/scale)*side+x/scale]), 0), 1)))
				img.SetRGBA(x0+frame+x, y0+frame+y, color.RGBA{v, v, v, 255})
			}
		}
	}
	for i := range n {
		x0, y0 := pairGap+(i%pairsPerRow)*(pairW+pairGap), pairGap+(i/pairsPerRow)*(tile+pairGap)
		put(samples[i*size:(i+1)*size], x0, y0, false)
		put(nearest[i*size:(i+1)*size], x0+tile+gap, y0, true)
	}
	return nbui.EncodePNG(img)
}

// CopyPairsPNG is NearestPairsPNG for the first n samples of a copy check against m's training slices.
func (m *MRIMeasures) CopyPairsPNG(samples []float32, c *metrics.CopyCheck, n, pairsPerRow, scale int) ([]byte, error) {
	size := m.Side * m.Side
	n = min(n, len(c.Nearest))
	nearest := make([]float32, 0, n*size)
	for _, j := range c.Nearest[:n] {
		nearest = append(nearest, m.Train.Image(j)...)
	}
	return NearestPairsPNG(samples[:n*size], nearest, n, m.Side, pairsPerRow, scale)
}

// UseProtocolFolder replaces the copy check's training and held-out slices with those of another folder (for a
// run that drew its 20 slices elsewhere, e.g. from an earlier build that kept every head slice): the Kaggle
// protocol's draw from LoadFolder(dir) at m.Side, and the folder's other images.
func (m *MRIMeasures) UseProtocolFolder(dir string) error {
	im, _, err := data.LoadFolder(dir, data.FolderOptions{Size: m.Side, Channels: 1})
	if err != nil {
		return err
	}
	_, drawn := im.SubsetNumPy(MRIProtocolN, MRIProtocolSeed)
	unique := slices.Clone(drawn)
	slices.Sort(unique)
	unique = slices.Compact(unique)
	var rest []int
	for i := range im.N {
		if _, found := slices.BinarySearch(unique, i); !found {
			rest = append(rest, i)
		}
	}
	m.Drawn, m.Train, m.HeldOut = drawn, im.Select(unique), im.Select(rest)
	return nil
}

// ReadGridPNG cuts a grid of side×side images, as nbui.Grid draws them with its default 2-pixel gaps and scale 1
// (ganlab bench -mri's epoch grids, a run folder's grid-epoch*.png at 64 pixels and more), back into images with
// pixels in [0, 1] (the red channel).
func ReadGridPNG(path string, side int) (px []float32, n int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	const pad = 2
	b := img.Bounds()
	cols, rows := (b.Dx()-pad)/(side+pad), (b.Dy()-pad)/(side+pad)
	if cols < 1 || rows < 1 || b.Dx() != pad+cols*(side+pad) || b.Dy() != pad+rows*(side+pad) {
		return nil, 0, fmt.Errorf("%s: %d×%d pixels is not a grid of %d×%d tiles with %d-pixel gaps", path, b.Dx(), b.Dy(), side, side, pad)
	}
	for r := range rows {
		for c := range cols {
			x0, y0 := b.Min.X+pad+c*(side+pad), b.Min.Y+pad+r*(side+pad)
			for y := range side {
				for x := range side {
					red, _, _, _ := img.At(x0+x, y0+y).RGBA()
					px = append(px, float32(red)/65535)
				}
			}
			n++
		}
	}
	return px, n, nil
}
