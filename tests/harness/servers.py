"""The servers a Python driver of efstop runs against: s3rver (npm, this
directory's node_modules) and the test endpoint (tests/endpoint/server.py)
in front of it, the endpoint checking every S3 signature and relaying S3
calls to s3rver. Used by fault_matrix.py and bench/load/run.py; the C++
tests start the same servers through test_endpoint.h and s3_server.h.

Both servers exit with the process that started them (exit_with_parent.js,
--parent-pid), so a killed driver leaves nothing behind.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))

# The test account and the static keys the endpoint accepts (test values,
# in tests/endpoint/scenarios too: no secret).
ACCOUNT = "111122223333"
REGION = "eu-west-1"
KEY_ID = "AKIAEFSTOPTEST000001"
SECRET = "efstopTestSecretKey/0000000000000000000001"

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never an HTTP proxy


def http(method, url, body=None, headers=None, timeout=60):
    """One request; `body` is bytes, or anything else sent as JSON."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with _OPENER.open(req, timeout=timeout) as r:
        return r.read()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(url, seconds=60):
    """Until `url` answers (any HTTP answer but a connection error)."""
    deadline = time.time() + seconds
    while True:
        try:
            http("GET", url)
            return
        except Exception:
            if time.time() > deadline:
                raise RuntimeError(f"{url} did not answer")
            time.sleep(0.1)


def write_scenario(path, scenario):
    """Writes an endpoint scenario (tests/endpoint/scenarios/*.json form)."""
    with open(path, "w") as f:
        json.dump(scenario, f)
    return path


def start_s3rver(work, bucket, log):
    """s3rver with `bucket` on a free port, data under work/s3rver.
    Returns (process, URL)."""
    s3dir = os.path.join(work, "s3rver")
    os.makedirs(s3dir, exist_ok=True)
    env = dict(os.environ)
    env["NODE_OPTIONS"] = ("--openssl-legacy-provider --require " +
                           os.path.join(HERE, "exit_with_parent.js") + " --require " +
                           os.path.join(HERE, "s3rver_preload.js"))
    env["EFSTOP_S3RVER_TRUST_FRONT"] = "1"
    env["EFSTOP_PARENT_PID"] = str(os.getpid())  # gone with us, even when killed
    port = free_port()
    proc = subprocess.Popen(
        [os.path.join(HERE, "node_modules/.bin/s3rver"), "--directory", s3dir, "--address",
         "127.0.0.1", "--port", str(port), "--silent", "--configure-bucket", bucket],
        env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/")
    except Exception:
        stop([proc])
        raise
    return proc, url


def put_object(s3rver, bucket, key, blob):
    http("PUT", f"{s3rver}/{bucket}/{key}", blob, {"Content-Type": "application/octet-stream"})


def start_endpoint(work, scenario_path, log, s3_upstream=None, page_size=None, seconds=120):
    """The test endpoint on a free port. Returns (process, port)."""
    port_file = os.path.join(work, "endpoint.port")
    argv = ["/usr/bin/python3", os.path.join(SOURCE_DIR, "tests/endpoint/server.py"),
            "--scenario", scenario_path, "--port-file", port_file,
            "--parent-pid", str(os.getpid())]
    if s3_upstream:
        argv += ["--s3-upstream", s3_upstream]
    if page_size:
        argv += ["--page-size", str(page_size)]
    proc = subprocess.Popen(argv, stdout=log, stderr=log)
    deadline = time.time() + seconds
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        if proc.poll() is not None or time.time() > deadline:
            stop([proc])
            raise RuntimeError("the test endpoint did not start")
        time.sleep(0.05)
    return proc, int(open(port_file).read())


def stop(procs):
    """SIGTERM to each, then SIGKILL to any still there after 10 s."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def static_key_env(home):
    """An environment for efstop with the test's static keys and nothing of
    the caller's AWS configuration: HOME isolated, no shared files, no
    IMDS, loopback never through a proxy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                "AWS_EC2_METADATA_DISABLED": "true", "HOME": home,
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    return env
