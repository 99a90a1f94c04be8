package users

import "testing"

// What one login or password change costs the server. Argon2id's figure is
// dominated by DefaultPasswordHasher's 19 MiB of memory, allocated per call;
// NocoBase's scrypt (N=16384, r=8) needs 16 MiB.

func BenchmarkHashPassword(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	h := pwMustHash(b, DefaultPasswordHasher, "correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := VerifyPassword("correct horse battery staple", h); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkVerifyScrypt checks a NocoBase hash, which also computes the
// SHA-256 alternative (negligible next to scrypt).
func BenchmarkVerifyScrypt(b *testing.B) {
	v := pwNocoBaseVectors[0]
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := VerifyPassword(v.password, v.hash); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
