package httpmsg_test

import (
	"testing"

	"liso/shared/httpmsg"
)

type decimalTest struct {
	in   string
	want int64
	ok   bool
}

// decimalTests is the 1*DIGIT rule of RFC 9110 8.6 and 14.1.2, with the
// forms strconv.ParseInt would accept and ParseDecimal must not.
var decimalTests = []decimalTest{
	{"0", 0, true},
	{"42", 42, true},
	{"0003", 3, true}, // leading zeros are 1*DIGIT too
	{"9223372036854775807", 1<<63 - 1, true},
	{"9223372036854775808", 0, false},    // one past the largest int64
	{"0000000000000000000001", 0, false}, // more than 19 digits, even as zeros
	{"", 0, false},
	{"+1", 0, false},
	{"-1", 0, false},
	{"1_000", 0, false},
	{" 1", 0, false},
	{"1 ", 0, false},
	{"0x10", 0, false},
	{"١", 0, false}, // a digit, but not an ASCII one
}

func TestParseDecimal(t *testing.T) {
	for _, tt := range decimalTests {
		got, ok := httpmsg.ParseDecimal(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseDecimal(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
