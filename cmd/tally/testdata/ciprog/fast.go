//go:build !slow

package ciprog

// rounds of checksum: the base build.
const rounds = 4
