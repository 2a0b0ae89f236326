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
