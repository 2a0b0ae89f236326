package commitments

import (
	"strconv"
	"strings"
)

// sizeFactors are the normalization factors AWS gives instance sizes
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/apply_ri.html); an
// "Nxlarge" size is N times xlarge's.
var sizeFactors = map[string]float64{"nano": 0.25, "micro": 0.5, "small": 1, "medium": 2, "large": 4, "xlarge": 8}

// NormalizationFactor returns the normalization factor of an AWS instance
// type's size (m5.xlarge: 8, m5.4xlarge: 32), and 0 for a size it does not
// name in proportion (metal, whose factor depends on the family) or a type
// that is not AWS's.
func NormalizationFactor(instanceType string) float64 {
	_, size, ok := strings.Cut(strings.ToLower(instanceType), ".")
	if !ok {
		return 0
	}
	if f, ok := sizeFactors[size]; ok {
		return f
	}
	n, ok := strings.CutSuffix(size, "xlarge")
	if !ok {
		return 0
	}
	k, err := strconv.Atoi(n)
	if err != nil || k < 2 {
		return 0
	}
	return float64(8 * k)
}
