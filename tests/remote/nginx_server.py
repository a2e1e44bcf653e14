"""Debian's nginx serving a folder on 127.0.0.1 (a free port) for the Python
tests and benchmarks/remote_bench.py; stopped by the caller (terminate())."""
import os
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what):
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"{what} did not start on port {port}")


def start_nginx(root, work, access_log=True):
    """Serves `root`; `work` holds the configuration and logs. Returns (process, port)."""
    port = free_port()
    conf = os.path.join(work, "nginx.conf")
    user = "user root;\n" if os.getuid() == 0 else ""  # workers read the caller's private folders
    temp = "".join(f"  {k}_temp_path {work}/{k};\n" for k in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    log = f"access_log {work}/access.log;" if access_log else "access_log off;"
    with open(conf, "w") as f:
        f.write(f"""{user}daemon off;
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  {log}
{temp}  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 100000;
  server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", work, "-e", f"{work}/error.log", "-c", conf], stdin=subprocess.DEVNULL)
    try:
        wait_port(port, "nginx")
    except SystemExit:
        proc.kill()
        raise
    return proc, port
