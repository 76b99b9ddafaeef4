# Inside dbus-run-session: the accessibility bus, a listener on it, then the app under Xvfb. Prints what was heard.
set -u
python=$1
/usr/libexec/at-spi-bus-launcher --launch-immediately >/dev/null 2>&1 &
launcher=$!
for _ in $(seq 50); do
  address=$(dbus-send --session --print-reply --dest=org.a11y.Bus /org/a11y/bus org.a11y.Bus.GetAddress 2>/dev/null \
            | sed -n 's/.*string "\(.*\)"/\1/p')
  [ -n "$address" ] && break
  sleep 0.2
done
"$python" tests/desktop/screen_reader/listener.py "$address" 60 > "$HEARD" 2>&1 &
listener=$!
for _ in $(seq 100); do grep -q listening "$HEARD" && break; sleep 0.2; done
QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1 xvfb-run -a "$python" tests/desktop/screen_reader/app_probe.py
sleep 1
kill $listener $launcher 2>/dev/null
cat "$HEARD"
