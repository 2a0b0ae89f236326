//go:build slow

package ciprog

// rounds of checksum: the planted slowdown.
const rounds = 10
