package delivery

import (
	"testing"

	"paperboy/codec"
)

func TestEditionPayloads(t *testing.T) {
	var c editionPayloads
	key := func(b byte) editionKey { return editionKey{picture: [32]byte{b}, cmd: codec.SetDeliveryAndPrint} }
	mb := func(n int) []byte { return make([]byte, n<<20) }
	steps := []struct {
		put  byte
		size int // MB
		want []byte
	}{
		{1, 3, []byte{1}},
		{2, 3, []byte{1, 2}},
		{3, 5, []byte{1, 2}},    // too big to keep: a quarter of the bound at most
		{4, 4, []byte{1, 2, 4}}, // 10 MB
		{5, 4, []byte{1, 2, 4, 5}},
		{6, 3, []byte{2, 4, 5, 6}}, // the oldest went
		{2, 1, []byte{2, 4, 5, 6}}, // kept already
	}
	for i, st := range steps {
		if st.size > 4 {
			st.size = maxEditionPayloadBytes>>20/4 + 1
		}
		c.put(key(st.put), mb(st.size))
		for b := byte(1); b <= 6; b++ {
			_, ok := c.get(key(b))
			want := false
			for _, w := range st.want {
				want = want || w == b
			}
			if ok != want {
				t.Errorf("step %d: %d kept=%v, want %v", i, b, ok, want)
			}
		}
		if c.bytes > maxEditionPayloadBytes {
			t.Errorf("step %d: %d bytes kept", i, c.bytes)
		}
	}
	if _, ok := c.get(editionKey{picture: [32]byte{1}, cmd: codec.SetDelivery}); ok {
		t.Error("another command's payload given for the same picture")
	}
}
