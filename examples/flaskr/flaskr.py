"""flaskr: the Flask tutorial's little blog, served by lisod through CGI.

Anyone can read the posts; the one configured user can log in and write
new ones. Each request runs in a fresh Python process (that is CGI), so
everything that must last from one request to the next lives in files:
the posts in an SQLite database, and the key that signs the session cookie.

Where those files live: the CGI environment is scrubbed (no HOME, no
settings in variables), so flaskr finds its data folder from its own
location. If a folder named "instance" exists beside this file (Flask's
name for it), that is the data folder; otherwise it is "liso-flaskr-UID"
in the system's temporary folder (/tmp), created on first use and private
to the user (mode 0700). An optional config.py in the data folder may set
USERNAME and PASSWORD (the defaults are the tutorial's admin / default).
"""
import os
import secrets
import sqlite3
import stat
import tempfile
from pathlib import Path

from flask import Flask, abort, flash, g, redirect, render_template, request, session, url_for

HERE = Path(__file__).resolve().parent


def data_folder() -> Path:
    """Returns the folder for the database and the session key."""
    beside = HERE / "instance"
    if beside.is_dir():
        return beside
    folder = Path(tempfile.gettempdir()) / f"liso-flaskr-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    # Another user could have made that name first, to read our data or
    # plant a key: use it only if it is our own private folder.
    st = folder.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise RuntimeError(f"{folder} is not a private folder of this user")
    return folder


def secret_key(folder: Path) -> bytes:
    """Returns the key that signs session cookies, creating it once.

    Every request is a new process, so the key cannot be random per
    process: it is made on first use and kept in the data folder (0600).
    Two first requests at once must agree on one key, so the new key is
    written to a file of its own and linked into place, which fails if
    the other request got there first; then both read the winner's.
    """
    path = folder / "secret_key"
    if not path.exists():
        mine = folder / f"secret_key.{os.getpid()}"
        fd = os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(mine, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(mine)
    return path.read_bytes()


app = Flask(__name__)
DATA = data_folder()
app.config.update(
    DATABASE=str(DATA / "flaskr.db"),
    SECRET_KEY=secret_key(DATA),
    USERNAME="admin",
    PASSWORD="default",
    SESSION_COOKIE_SAMESITE="Lax",
)
app.config.from_pyfile(str(DATA / "config.py"), silent=True)


def db() -> sqlite3.Connection:
    """The request's database connection, with the table in place."""
    if "db" not in g:
        g.db = sqlite3.connect(app.config["DATABASE"], timeout=10)
        g.db.row_factory = sqlite3.Row
        g.db.executescript((HERE / "schema.sql").read_text())
    return g.db


@app.teardown_appcontext
def close_db(_exc):
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


@app.route("/")
def show_posts():
    posts = db().execute("SELECT title, body, created FROM posts ORDER BY id DESC").fetchall()
    return render_template("show_posts.html", posts=posts)


@app.route("/add", methods=["POST"])
def add_post():
    if not session.get("logged_in"):
        abort(401)
    title = request.form.get("title", "").strip()
    body = request.form.get("body", "").strip()
    if not title:
        flash("A post needs a title.")
        return redirect(url_for("show_posts"))
    conn = db()
    conn.execute("INSERT INTO posts (title, body) VALUES (?, ?)", (title, body))
    conn.commit()
    flash("Your post is published.")
    return redirect(url_for("show_posts"))


def same(given: str, expected: str) -> bool:
    """Compares secrets in constant time."""
    return secrets.compare_digest(given.encode(), expected.encode())


@app.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        if not same(request.form.get("username", ""), app.config["USERNAME"]):
            error = "Invalid username"
        elif not same(request.form.get("password", ""), app.config["PASSWORD"]):
            error = "Invalid password"
        else:
            session["logged_in"] = True
            flash("You were logged in")
            return redirect(url_for("show_posts"))
    return render_template("login.html", error=error)


@app.route("/logout")
def logout():
    session.pop("logged_in", None)
    flash("You were logged out")
    return redirect(url_for("show_posts"))
