package web_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestIngestAgentBoundsDecodedValues sends a batch of 66 KB gzipped whose
// JSON lists a million and more empty pods ({}): three bytes of JSON each,
// but an AgentPod of some 300 bytes each once decoded. The 4 MiB it
// decompresses to is within every size bound, so the server decoded it,
// allocating 1.2 GB, before it found the pods had no uid; 128 MiB of it (a
// 700 KB request) held 13 GB at once. It is refused before it is decoded.
func TestIngestAgentBoundsDecodedValues(t *testing.T) {
	_, srv, agent := agentServer(t, time.Now().Add(-time.Hour))
	start := time.Now().Add(-time.Minute).UTC()
	// Random text that does not compress keeps the body within the
	// decompression ratio an agent's batch has.
	pad := make([]byte, 24<<10)
	rand.Read(pad)
	var js bytes.Buffer
	fmt.Fprintf(&js, `{"version":1,"node":{"name":"n","labels":{"pad":%q}},"intervals":[{"start":%q,"end":%q,"containers":[]}],"pods":[{}`,
		base64.StdEncoding.EncodeToString(pad), start.Format(time.RFC3339), start.Add(10*time.Second).Format(time.RFC3339))
	js.WriteString(strings.Repeat(",{}", (4<<20)/3))
	js.WriteString("]}")
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	zw.Write(js.Bytes())
	zw.Close()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec := post(srv, agent, body.Bytes())
	runtime.ReadMemStats(&after)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), "JSON values") {
		t.Errorf("%d %s; want 413 saying the batch holds too many JSON values", rec.Code, rec.Body)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("a batch of %d bytes (%d decompressed) allocated %d MB; want at most 64", body.Len(), js.Len(), alloc>>20)
	}
}

// TestIngestAgentBoundsProfileEntries sends a container's profile of four
// million samples in 160 KB gzipped: five bytes of protobuf each, a
// profile.Sample of some 150 bytes parsed. Within every size bound, it was
// parsed whole, 700 MB allocated for one profile; a batch may hold many.
// It is refused before it is parsed.
func TestIngestAgentBoundsProfileEntries(t *testing.T) {
	_, srv, agent := agentServer(t, time.Now().Add(-time.Hour))
	var pb bytes.Buffer
	pb.Write([]byte{0x0a, 0x04, 0x08, 0x01, 0x10, 0x02}) // sample_type {type: 1, unit: 2}
	for range 4 << 20 {
		pb.Write([]byte{0x12, 0x03, 0x12, 0x01, 0x01}) // sample {value: [1]}
	}
	for _, s := range []string{"", "samples", "count"} {
		pb.Write([]byte{0x32, byte(len(s))}) // string_table
		pb.WriteString(s)
	}
	pad := make([]byte, 128<<10) // within the decompression ratio
	rand.Read(pad)
	pb.Write([]byte{0x32, 0x80, 0x80, 0x08}) // string_table: a string of 131072 bytes
	pb.Write(pad)
	var prof bytes.Buffer
	zw := gzip.NewWriter(&prof)
	zw.Write(pb.Bytes())
	zw.Close()
	batch := testBatch(t, time.Now().Add(-time.Minute))
	batch.Intervals[0].Containers[0].Profile = prof.Bytes()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec := post(srv, agent, gz(t, batch))
	runtime.ReadMemStats(&after)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "more than") {
		t.Errorf("%d %s; want 400 saying the profile has too many entries", rec.Code, rec.Body)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128<<20 {
		t.Errorf("a profile of %d bytes (%d decompressed) allocated %d MB; want at most 128", prof.Len(), pb.Len(), alloc>>20)
	}
}
