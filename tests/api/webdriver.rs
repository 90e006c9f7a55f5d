//! A small W3C WebDriver client for the browser tests: chromedriver and a
//! headless Chromium from Debian's packages, each session with a fresh
//! profile directory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The browser binaries, or why the browser tests cannot run.
pub fn binaries() -> Result<(PathBuf, PathBuf), String> {
    let find = |names: &[&str]| {
        names.iter().map(PathBuf::from).find(|p| p.exists()).or_else(|| {
            names.iter().find_map(|n| {
                let out = Command::new("which").arg(n).output().ok()?;
                let path = String::from_utf8(out.stdout).ok()?.trim().to_owned();
                (!path.is_empty()).then(|| PathBuf::from(path))
            })
        })
    };
    let chromium = find(&["/usr/bin/chromium", "chromium", "chromium-browser"]).ok_or("chromium is not installed")?;
    let driver = find(&["/usr/bin/chromedriver", "chromedriver"]).ok_or("chromedriver is not installed")?;
    Ok((chromium, driver))
}

/// Records that the browser test did not run (a failure where the
/// `browser` suite is required).
pub fn announce_skip(why: &str) {
    crate::skips::skip(crate::skips::Suite::Browser, why);
}

/// A running chromedriver.
pub struct Driver {
    child: Child,
    pub url: String,
    chromium: PathBuf,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver on a free port and waits until it is ready.
    pub async fn start(chromium: PathBuf, driver: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{port}");
        // Owned from here, so that it is stopped however the wait ends.
        let driver = Driver { child, url, chromium, http };
        for _ in 0..100 {
            if let Ok(r) = driver.http.get(format!("{}/status", driver.url)).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not become ready");
    }

    /// A new headless browser window of `width` × `height` CSS pixels.
    pub async fn session(&self, width: u32, height: u32) -> Session {
        let profile = tempfile::tempdir().expect("profile dir");
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--lang=zh-CN".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let mut options = json!({"binary": self.chromium, "args": args, "prefs": {"intl.accept_languages": "zh-CN"}});
        if width < 768 {
            // A phone: the page is laid out in exactly `width` CSS pixels,
            // its scrollbars overlay the page as a phone's do.
            options["mobileEmulation"] = json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0, "mobile": true, "touch": false}});
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}});
        let response: Value = self
            .http
            .post(format!("{}/session", self.url))
            .json(&caps)
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        let id = response["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {response}")).to_owned();
        let session =
            Session { base: format!("{}/session/{id}", self.url), http: self.http.clone(), _profile: profile };
        session.call("POST", "/window/rect", json!({"width": width, "height": height})).await;
        if width >= 768 {
            // The page gets `width` × `height`: the window is grown by what
            // its own frame takes.
            let inner = session.execute("return [window.innerWidth, window.innerHeight];", json!([])).await;
            let (w, h) = (inner[0].as_u64().unwrap_or(0), inner[1].as_u64().unwrap_or(0));
            let grow = |want: u32, got: u64| u64::from(want) + u64::from(want).saturating_sub(got);
            session.call("POST", "/window/rect", json!({"width": grow(width, w), "height": grow(height, h)})).await;
        }
        // axe-core takes a few seconds on a long page in a debug build.
        session.call("POST", "/timeouts", json!({"script": 120_000})).await;
        session
    }
}

/// One browser window.
pub struct Session {
    base: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// An element of the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        match self.try_call(method, path, body).await {
            Ok(v) => v,
            Err(e) => panic!("webdriver {method} {path}: {e}"),
        }
    }

    async fn try_call(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url).json(&body),
        };
        let response: Value = request.send().await.expect("webdriver call").json().await.expect("webdriver json");
        if let Some(error) = response["value"]["error"].as_str() {
            return Err(format!("{error}: {}", response["value"]["message"]));
        }
        Ok(response["value"].clone())
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", "/url", json!({"url": url})).await;
    }

    pub async fn current_url(&self) -> String {
        self.call("GET", "/url", Value::Null).await.as_str().unwrap_or_default().to_owned()
    }

    /// The first element matching `css`, waiting up to five seconds for it.
    pub async fn find(&self, css: &str) -> Element {
        for _ in 0..50 {
            let url = format!("{}/element", self.base);
            let response: Value = self
                .http
                .post(&url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .expect("find")
                .json()
                .await
                .expect("json");
            if let Some(id) = response["value"][ELEMENT].as_str() {
                return Element(id.to_owned());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element matches {css}");
    }

    /// Waits up to ten seconds for an element matching `css` to be in the
    /// page, shown or not.
    pub async fn wait_for(&self, css: &str) {
        for _ in 0..100 {
            if self.count(css).await > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element matching {css} appeared in {}", self.current_url().await);
    }

    /// Waits up to five seconds for the page to finish loading, its
    /// deferred scripts run.
    pub async fn settled(&self) {
        for _ in 0..50 {
            if self.execute("return document.readyState;", json!([])).await == "complete" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page did not finish loading: {}", self.current_url().await);
    }

    /// Whether the first element matching `css` is shown.
    pub async fn displayed(&self, css: &str) -> bool {
        let e = self.find(css).await;
        self.call("GET", &format!("/element/{}/displayed", e.0), Value::Null).await.as_bool().unwrap_or(false)
    }

    /// Chooses a file in an `<input type=file>`, as a person picking it
    /// would: the browser reads it and sends it when the form is submitted.
    pub async fn choose_file(&self, css: &str, path: &Path) {
        let e = self.find(css).await;
        let path = path.canonicalize().expect("file to upload");
        self.call("POST", &format!("/element/{}/value", e.0), json!({"text": path.display().to_string()})).await;
    }

    /// How many elements match `css`.
    pub async fn count(&self, css: &str) -> usize {
        self.call("POST", "/elements", json!({"using": "css selector", "value": css}))
            .await
            .as_array()
            .map_or(0, Vec::len)
    }

    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.scroll_to(&e).await;
        self.call("POST", &format!("/element/{}/click", e.0), json!({})).await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call("POST", &format!("/element/{}/clear", e.0), json!({})).await;
        self.call("POST", &format!("/element/{}/value", e.0), json!({"text": text})).await;
    }

    /// Sets a field's value as a script would (date and time pickers).
    pub async fn set_value(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        self.execute(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            json!([{ELEMENT: e.0}, value]),
        )
        .await;
    }

    /// Chooses an option of a select box.
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]")).await;
    }

    pub async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.call("GET", &format!("/element/{}/text", e.0), Value::Null).await.as_str().unwrap_or_default().to_owned()
    }

    /// The visible text of the whole page (once it has settled).
    pub async fn page_text(&self) -> String {
        for _ in 0..50 {
            let e = self.find("body").await;
            if let Ok(v) = self.try_call("GET", &format!("/element/{}/text", e.0), Value::Null).await {
                return v.as_str().unwrap_or_default().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page did not settle");
    }

    /// Waits up to ten seconds for the page to show `needle`; returns its text.
    pub async fn wait_text(&self, needle: &str) -> String {
        let mut text = String::new();
        for _ in 0..100 {
            text = self.page_text().await;
            if text.contains(needle) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {needle:?}; it shows:\n{text}");
    }

    /// Waits up to ten seconds for the address to contain `part`; returns it.
    pub async fn wait_url(&self, part: &str) -> String {
        let mut url = String::new();
        for _ in 0..100 {
            url = self.current_url().await;
            if url.contains(part) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the address never contained {part:?}: {url}");
    }

    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.call("POST", "/execute/sync", json!({"script": script, "args": args})).await
    }

    /// Runs an asynchronous script: it ends by calling its last argument.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call("POST", "/execute/async", json!({"script": script, "args": args})).await
    }

    async fn scroll_to(&self, e: &Element) {
        self.execute("arguments[0].scrollIntoView({block: 'center'});", json!([{ELEMENT: e.0}])).await;
    }

    /// Draws a wavy stroke across an element with the mouse, as a finger would.
    pub async fn draw_on(&self, css: &str) {
        let e = self.find(css).await;
        self.scroll_to(&e).await;
        let mut actions = vec![
            json!({"type": "pointerMove", "origin": {ELEMENT: e.0}, "x": -120, "y": 0, "duration": 0}),
            json!({"type": "pointerDown", "button": 0}),
        ];
        for step in 1..=24 {
            let x = -120 + step * 10;
            let y = if step % 2 == 0 { -20 } else { 20 };
            actions.push(json!({"type": "pointerMove", "origin": {ELEMENT: e.0}, "x": x, "y": y, "duration": 20}));
        }
        actions.push(json!({"type": "pointerUp", "button": 0}));
        self.call(
            "POST",
            "/actions",
            json!({"actions": [{"type": "pointer", "id": "finger", "parameters": {"pointerType": "mouse"}, "actions": actions}]}),
        )
        .await;
        self.call("DELETE", "/actions", Value::Null).await;
    }

    /// Saves a screenshot of the whole page, not only what the window
    /// shows, as `dir/name.png` (Chromium's own capture over its DevTools
    /// protocol; the window's view where that is not offered).
    pub async fn screenshot_page(&self, dir: &Path, name: &str) -> PathBuf {
        let metrics =
            self.try_call("POST", "/goog/cdp/execute", json!({"cmd": "Page.getLayoutMetrics", "params": {}})).await;
        let size = metrics.ok().and_then(|m| {
            let content = &m["cssContentSize"];
            Some((content["width"].as_f64()?, content["height"].as_f64()?))
        });
        let Some((width, height)) = size else { return self.screenshot(dir, name).await };
        let params = json!({"format": "png", "captureBeyondViewport": true,
            "clip": {"x": 0, "y": 0, "width": width, "height": height.min(12_000.0), "scale": 1}});
        let shot = self
            .try_call("POST", "/goog/cdp/execute", json!({"cmd": "Page.captureScreenshot", "params": params}))
            .await;
        let Some(b64) = shot.ok().and_then(|v| v["data"].as_str().map(str::to_owned)) else {
            return self.screenshot(dir, name).await;
        };
        let png = base64::engine::general_purpose::STANDARD.decode(b64).expect("png");
        std::fs::create_dir_all(dir).expect("artifact dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    /// Saves a screenshot of the window as `dir/name.png`.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        let b64 = self.call("GET", "/screenshot", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap_or_default()).expect("png");
        std::fs::create_dir_all(dir).expect("artifact dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    /// The session's cookies as a `Cookie` header.
    pub async fn cookie_header(&self) -> String {
        let cookies = self.call("GET", "/cookie", Value::Null).await;
        cookies
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|c| Some(format!("{}={}", c["name"].as_str()?, c["value"].as_str()?)))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    pub async fn close(self) {
        self.call("DELETE", "", Value::Null).await;
    }
}
