#!/bin/bash
# Prepares wine to run Go's windows/amd64 test binaries on this Linux machine
# (see README.md beside this file for why each step is there).
#
# Usage: setup.sh WORKDIR          prints the environment to eval
#        setup.sh --stop WORKDIR   stops that prefix's wineserver and processes
set -euo pipefail
W=${1:-$(mktemp -d /tmp/winego.XXXXXX)}
if [ "$W" = --stop ]; then   # stop this prefix's wineserver + all its wine processes
  export WINEPREFIX=$2/prefix
  wineserver -k 2>/dev/null || true; wineserver -w 2>/dev/null || true
  for d in /proc/[0-9]*; do    # fallback, by PID: wine processes still carrying this WINEPREFIX
    [[ "$(readlink "$d/exe" 2>/dev/null)" == /usr/lib/wine/* ]] || continue
    { tr '\0' '\n' < "$d/environ"; } 2>/dev/null | grep -qxF "WINEPREFIX=$WINEPREFIX" && kill -9 "${d#/proc/}" 2>/dev/null && echo "killed ${d#/proc/}"
  done; exit 0
fi
mkdir -p "$W"; cd "$W"
export WINEPREFIX=$W/prefix WINEDEBUG=-all WINEARCH=win64 WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
# 1. bcryptprimitives.dll shim (Go >= 1.24 runtime needs ProcessPrng; wine 8 lacks the DLL)
cat > bcp.c <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len); /* RtlGenRandom */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE p, SIZE_T n) {
  while (n) { ULONG k = n > 0x40000000 ? 0x40000000 : (ULONG)n;
    if (!SystemFunction036(p, k)) return FALSE; p += k; n -= k; }
  return TRUE; }
C
x86_64-w64-mingw32-gcc -O2 -shared -s -o bcryptprimitives.dll bcp.c -ladvapi32
# 2. prefix; the runtime loads it with LOAD_LIBRARY_SEARCH_SYSTEM32, so it must be in system32
wineboot -i </dev/null >/dev/null 2>&1; wineserver -w
cp bcryptprimitives.dll "$WINEPREFIX/drive_c/windows/system32/"
# 3. Go >= 1.25 os.RemoveAll (t.TempDir cleanup) fails on wine 8: NtSetInformationFile
#    (FileDispositionInformationEx) returns STATUS_NOT_IMPLEMENTED, not in Go's fallback list.
A=$(go env GOROOT)/src/internal/syscall/windows/at_windows.go
[ "$(grep -c 'STATUS_NOT_SUPPORTED:' "$A")" = 1 ]
sed 's/STATUS_NOT_SUPPORTED:/STATUS_NOT_SUPPORTED, NTStatus(0xC0000002):/' "$A" > at_windows.go
printf '{"Replace":{"%s":"%s"}}\n' "$A" "$W/at_windows.go" > overlay.json
# 4. go test -exec wrapper
cat > wine-exec <<X
#!/bin/sh
export WINEPREFIX=$WINEPREFIX WINEDEBUG=-all
exec wine "\$@"
X
chmod +x wine-exec
# 5. persistent wineserver + services started with stdio detached (otherwise they
#    inherit go test's output pipe and each cold run takes ~2.5 s)
wineserver -p </dev/null >/dev/null 2>&1 || true
wine cmd /c exit </dev/null >/dev/null 2>&1
echo "export WINEPREFIX=$WINEPREFIX WINEDEBUG=-all GOOS=windows GOARCH=amd64 GOFLAGS='-overlay=$W/overlay.json -exec=$W/wine-exec'"
