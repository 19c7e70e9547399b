"""The servers a benchmark run starts on top of scripts/testenv.sh's: a TLS radosgw, nginx in its three roles,
dsync serve and the original-tool stand-in's proxy. Each listens on 127.0.0.1 and is stopped by its PID."""

import os
import subprocess
import textwrap

from common import Server, free_port, http_ok, port_open, wait_until


def make_tls(dirpath):
    """A CA and a server certificate for 127.0.0.1/localhost (made once per results folder)."""
    os.makedirs(dirpath, exist_ok=True)
    crt, key, ca = (os.path.join(dirpath, n) for n in ("server.crt", "server.key", "ca.crt"))
    if os.path.exists(crt):
        return ca, crt, key

    def ssl(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=dsync bench CA",
        "-keyout", os.path.join(dirpath, "ca.key"), "-out", ca)
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key,
        "-out", os.path.join(dirpath, "server.csr"))
    ext = os.path.join(dirpath, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n")
    ssl("x509", "-req", "-in", os.path.join(dirpath, "server.csr"), "-CA", ca, "-CAkey",
        os.path.join(dirpath, "ca.key"), "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", crt)
    return ca, crt, key


class RgwTls:
    """A second radosgw on the test cluster, HTTPS only. scripts/testenv.sh serves RGW over HTTP; the original
    tool's SDK refuses SSE-C over HTTP, and the issue's reference figures are over HTTPS, so the upload race needs
    both. It shares the first gateway's pools, users and buckets."""

    def __init__(self, ceph_conf, workdir):
        self.dir = os.path.join(workdir, "rgw-tls")
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        self.ca, crt, key = make_tls(os.path.join(workdir, "tls"))
        self.port = free_port()
        conf = os.path.join(self.dir, "ceph.conf")
        with open(ceph_conf) as src, open(conf, "w") as dst:
            dst.write(src.read())
            dst.write(textwrap.dedent(f"""
                [client.rgw.bench]
                rgw_frontends = beast ssl_endpoint=127.0.0.1:{self.port} ssl_certificate={crt} ssl_private_key={key}
                rgw_data = {self.dir}/data
                log_file = {self.dir}/radosgw.log
                admin_socket = {self.dir}/radosgw.asok
                pid_file = {self.dir}/radosgw.pid
                """))
        self.server = Server("rgw-tls", ["radosgw", "-c", conf, "-n", "client.rgw.bench", "-f"],
                             os.path.join(self.dir, "radosgw.out"))
        self.endpoint = f"https://127.0.0.1:{self.port}"
        wait_until("TLS radosgw", 120, lambda: http_ok(self.endpoint + "/", self.ca))

    def stop(self):
        self.server.stop()


class Nginx:
    """Debian nginx with a private prefix. Roles: `upstream` (fixed 200 "ok", a 1 GiB file under /file, a body
    sink under /sink) and `reverse` (keepalive reverse proxy, one listen port per upstream)."""

    def __init__(self, name, workdir, servers_conf):
        self.dir = os.path.join(workdir, name)
        for sub in ("tmp", "www"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        conf = os.path.join(self.dir, "nginx.conf")
        temp = "".join(f"  {k}_temp_path {self.dir}/tmp/{k};\n" for k in
                       ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        with open(conf, "w") as f:
            f.write(f"worker_processes 2;\ndaemon off;\npid {self.dir}/nginx.pid;\n"
                    f"error_log {self.dir}/error.log warn;\nevents {{ worker_connections 4096; }}\n"
                    f"http {{\n  access_log off;\n  keepalive_requests 1000000;\n{temp}{servers_conf}}}\n")
        self.server = Server(name, ["nginx", "-p", self.dir, "-c", conf], os.path.join(self.dir, "nginx.out"))

    @property
    def www(self):
        return os.path.join(self.dir, "www")

    def stop(self):
        self.server.stop()

    def worker_pids(self):
        out = subprocess.run(["pgrep", "-P", str(self.server.pid)], stdout=subprocess.PIPE).stdout.decode()
        return [int(p) for p in out.split()]


def nginx_upstream(workdir):
    port = free_port()
    ng = Nginx("nginx-upstream", workdir, f"""
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 0;
    location / {{ return 200 "ok"; }}
    location /file {{ alias {workdir}/nginx-upstream/www/; }}
    # A body sink that answers only after it has read the whole body (`return 200` answers at once, and a proxy
    # may then stop sending): WebDAV PUT into a scratch folder.
    location /sink/ {{ root {workdir}/nginx-upstream/www; dav_methods PUT; create_full_put_path on; }}
  }}
""")
    ng.port = port
    os.makedirs(os.path.join(ng.www, "sink"), exist_ok=True)
    os.chmod(os.path.join(ng.www, "sink"), 0o777)  # nginx workers drop root privileges
    os.chmod(os.path.join(ng.dir, "tmp"), 0o777)
    wait_until("nginx upstream", 20, lambda: port_open(port))
    return ng


def nginx_reverse(workdir, upstreams):
    """upstreams: {name: port}. Returns the Nginx with .ports {name: listen port}."""
    blocks, ports = [], {}
    for name, up_port in upstreams.items():
        ports[name] = free_port()
        blocks.append(f"""
  upstream {name} {{ server 127.0.0.1:{up_port}; keepalive 64; keepalive_requests 1000000; }}
  server {{
    listen 127.0.0.1:{ports[name]};
    client_max_body_size 0;
    location / {{
      proxy_pass http://{name};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # Stream request bodies instead of spooling them to disk first; buffer responses in memory only.
      proxy_request_buffering off;
      proxy_max_temp_file_size 0;
      proxy_buffer_size 64k;
      proxy_buffers 16 64k;
      client_body_buffer_size 64k;
    }}
  }}
""")
    ng = Nginx("nginx-reverse", workdir, "".join(blocks))
    ng.ports = ports
    for p in ports.values():
        wait_until("nginx reverse proxy", 20, lambda p=p: port_open(p))
    return ng


def dsync_serve(bench, upstream_url, workdir, extra=(), s3=None, towatch=None, name="dsync-serve"):
    """dsync serve in front of upstream_url (reverse mode, and forward mode for that same upstream)."""
    d = os.path.join(workdir, name)
    os.makedirs(os.path.join(d, "state"), exist_ok=True)
    towatch = towatch or os.path.join(d, "export")
    os.makedirs(towatch, exist_ok=True)
    port, ops = free_port(), free_port()
    s3 = s3 or bench.s3_target("rgw-http")
    argv = [bench.dsync, "serve", "--listen", f"127.0.0.1:{port}", "--upstream", upstream_url,
            "--forward-upstream", upstream_url, "--ops-listen", f"127.0.0.1:{ops}",
            "--state-dir", os.path.join(d, "state"), "--towatch", towatch, "--log-level", "warn",
            *bench.dsync_s3_args(s3), *extra]
    srv = Server(name, argv, os.path.join(d, "dsync.log"), env=bench.client_env())
    srv.port, srv.ops_port = port, ops
    try:
        wait_until("dsync serve", 20, lambda: port_open(port) and srv.alive())
    except TimeoutError:
        raise RuntimeError(f"dsync serve did not start:\n{srv.tail()}")
    return srv


def standin_proxy(bench, workdir, upstream_url, towatch, s3=None, name="standin-proxy"):
    """The original-tool stand-in's daemon: verbose forward proxy, logging to a file like a container log."""
    d = os.path.join(workdir, name)
    os.makedirs(d, exist_ok=True)
    port = free_port()
    s3 = s3 or bench.s3_target("rgw-tls")
    argv = [bench.standin, "proxy", "--listen", f"127.0.0.1:{port}", "--upstream", upstream_url,
            "--towatch", towatch, "--endpoint", s3["endpoint"], "--access-key", s3["access_key"],
            "--secret", s3["secret_key"], "--bucket-name", s3["bucket"], "--crypto-key", bench.crypto_key]
    if s3.get("ca"):
        argv += ["--ca-file", s3["ca"]]
    srv = Server(name, argv, os.path.join(d, "standin.log"), env=bench.client_env())
    srv.port = port
    wait_until("stand-in proxy", 20, lambda: port_open(port))
    return srv
