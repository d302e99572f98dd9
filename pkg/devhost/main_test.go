package devhost

import (
	"fmt"
	"net/http"
	"os"
	"testing"
)

// envHelper switches the test binary into a tiny custom handler (the
// standard os.Args[0] re-exec pattern), so that Supervisor tests start a
// real child process.
const (
	envHelper      = "DEVHOST_WANT_HELPER_PROCESS"
	envCrashMarker = "DEVHOST_HELPER_CRASH_MARKER"
)

func TestMain(m *testing.M) {
	if os.Getenv(envHelper) == "1" {
		os.Exit(helperMain())
	}
	os.Exit(m.Run())
}

// helperMain serves GET / (readiness), POST /exit (exits at once, status 3)
// and POST /onboard: the first call crashes the process mid-request (when
// the crash marker file does not exist yet it is created and the process
// exits before answering); later calls answer 200.
func helperMain() int {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /exit", func(w http.ResponseWriter, r *http.Request) { os.Exit(3) })
	mux.HandleFunc("POST /onboard", func(w http.ResponseWriter, r *http.Request) {
		if marker := os.Getenv(envCrashMarker); marker != "" {
			if f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
				f.Close()
				os.Exit(1)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"Outputs":{},"Logs":[],"ReturnValue":null}`)
	})
	if err := http.ListenAndServe("127.0.0.1:"+os.Getenv(EnvCustomHandlerPort), mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}
