"""Drives a payer's page in headless Chromium, as a payer would: opens the URL, presses
the button with the given value, follows every redirect, and prints the final URL and
page text as JSON.

Chromium is controlled through the DevTools protocol over a pipe
(`--remote-debugging-pipe`: commands on fd 3, answers on fd 4, NUL-separated JSON), so
only the Python standard library is needed. Usage:

    python3 drive.py <chromium> <page url> <button value> <final url prefix>

Exit status 0 when the browser ended on a URL starting with the prefix; the JSON on
stdout says where it ended either way.

    python3 drive.py <chromium> --card-form[=external] <shop page url> <name=value> ...

opens a merchant's page that frames a hosted card form, types each value into the input
of that name inside the frame (as a payer would: the frame is another origin, so this
runs in the frame's own context, and each value is an `input` event), submits the form,
and waits for the merchant's page to show what the frame posted it: an element whose
class is the message's `type`. Prints {"messages": [[type, text], ...]}.

With `=external` the form's own button must be hidden: the driver presses the merchant's
`#pay` button instead, once before typing (which must not submit) and once after.
"""

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time

TIMEOUT = 30.0


class Browser:
    def __init__(self, chromium):
        self.profile = tempfile.TemporaryDirectory(prefix="payspec-browser-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # The child's fd 3 reads our commands and its fd 4 writes its answers.
        self.process = self._spawn(chromium, to_browser_r, from_browser_w)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def _spawn(self, chromium, read_end, write_end):
        # Put the pipe ends at fds 3 and 4 in the child only.
        def place():
            # Both ends move above 10 first, so neither is overwritten by the other's
            # move; os.dup2 makes the copies inheritable.
            high_read = fcntl.fcntl(read_end, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(write_end, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        return subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-pipe",
                f"--user-data-dir={self.profile.name}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Kept open through exec: 3 and 4 once `place` has put the pipes there.
            pass_fds=(3, 4),
            preexec_fn=place,
        )

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            answer = self.read()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)
        raise TimeoutError(method)

    def read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 65536)
            if not chunk:
                raise EOFError("Chromium closed the pipe")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.profile.cleanup()


def evaluate(browser, session, expression):
    result = browser.send(
        "Runtime.evaluate",
        {"expression": expression, "returnByValue": True, "awaitPromise": True},
        session,
    )
    return result.get("result", {}).get("value")


def wait_for(browser, session, predicate, what):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            value = evaluate(browser, session, predicate)
        except RuntimeError:
            value = None  # the page is navigating
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(what)


def frame_context(browser, session):
    """An execution context in the page's first frame, once its form is there.

    The frame starts at about:blank and then navigates to the form: a context made
    before that navigation commits is destroyed by it ("Cannot find context with
    specified id"), so any such failure means "not yet" and the loop asks again with a
    fresh frame tree.
    """
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        tree = browser.send("Page.getFrameTree", {}, session)["frameTree"]
        for child in tree.get("childFrames", []):
            frame = child["frame"]
            if frame.get("url", "about:blank").startswith("about:"):
                continue  # the form's document has not committed yet
            try:
                world = browser.send(
                    "Page.createIsolatedWorld",
                    {"frameId": frame["id"], "worldName": "payer"},
                    session,
                )
                context = world["executionContextId"]
                ready = browser.send(
                    "Runtime.evaluate",
                    {
                        "expression": "document.readyState === 'complete' && !!document.querySelector('form')",
                        "contextId": context,
                        "returnByValue": True,
                    },
                    session,
                )
            except RuntimeError:
                continue  # the frame navigated under us: ask again
            if ready.get("result", {}).get("value"):
                return context
        time.sleep(0.05)
    raise TimeoutError("the framed form")


def open_page(browser, url):
    """A new tab at `url`; answers its DevTools session."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send(
        "Target.attachToTarget", {"targetId": target, "flatten": True}
    )["sessionId"]
    browser.send("Page.enable", {}, session)
    browser.send("Page.navigate", {"url": url}, session)
    return session


def shown(browser, session, message_type):
    """How many messages of `message_type` the merchant's page has shown."""
    return evaluate(
        browser,
        session,
        f"document.querySelectorAll('#messages > .{message_type}').length",
    )


def card_form(chromium, url, fields, external):
    browser = Browser(chromium)
    try:
        session = open_page(browser, url)
        context = frame_context(browser, session)

        def in_frame(expression):
            answer = browser.send(
                "Runtime.evaluate",
                {"expression": expression, "contextId": context, "returnByValue": True},
                session,
            )
            return answer.get("result", {}).get("value")

        if external:
            # The merchant's INIT has reached the form once it says it is not yet valid.
            wait_for(
                browser,
                session,
                "!!document.querySelector('.GOPAY_CARD_FORM_VALIDITY')",
                "the form's validity after the merchant's INIT",
            )
            if not in_frame("document.querySelector('form button').hidden"):
                raise RuntimeError("the form's own button is shown in external mode")
            # Pressed before anything is typed: the form validates (its errors reach
            # the merchant) and submits nothing. Typing waits for that run, so that it
            # cannot overtake the request.
            evaluate(browser, session, "document.getElementById('pay').click(); true")
            wait_for(
                browser,
                session,
                "!!document.querySelector('.GOPAY_CARD_FORM_ERRORS')",
                "the form's errors after a submit with nothing typed",
            )
        fill = "".join(
            f"(function (input) {{ input.value = {json.dumps(value)};"
            " input.dispatchEvent(new Event('input', { bubbles: true })); })"
            f"(document.querySelector('input[name=' + {json.dumps(name)} + ']'));"
            for name, value in fields
        )
        in_frame(fill + "true")
        if external:
            wait_for(
                browser,
                session,
                "Array.from(document.querySelectorAll('.GOPAY_CARD_FORM_VALIDITY'))"
                ".some(e => e.textContent.includes('\"isValid\":true'))",
                "the form to say it is valid",
            )
            if shown(browser, session, "GOPAY_CARD_ENCRYPT_RESULT"):
                raise RuntimeError("the form was submitted before the merchant pressed pay")
            evaluate(browser, session, "document.getElementById('pay').click(); true")
        else:
            in_frame("document.querySelector('form').requestSubmit(); true")
        wait_for(
            browser,
            session,
            "!!document.querySelector('.GOPAY_CARD_ENCRYPT_RESULT')",
            "the card form's result in the merchant's page",
        )
        messages = evaluate(
            browser,
            session,
            "Array.from(document.querySelectorAll('#messages > *')).map(e => [e.className, e.textContent])",
        )
        print(json.dumps({"messages": messages}))
        return 0
    finally:
        browser.close()


def main():
    if sys.argv[2] in ("--card-form", "--card-form=external"):
        fields = [arg.split("=", 1) for arg in sys.argv[4:]]
        external = sys.argv[2].endswith("=external")
        return card_form(sys.argv[1], sys.argv[3], fields, external)
    chromium, url, choice, expected = sys.argv[1:5]
    browser = Browser(chromium)
    try:
        session = open_page(browser, url)
        selector = json.dumps(f'button[value="{choice}"]')
        wait_for(
            browser,
            session,
            f"document.readyState === 'complete' && !!document.querySelector({selector})",
            f"the page to show the button {choice!r}",
        )
        page = evaluate(browser, session, "document.body.innerText")
        evaluate(browser, session, f"document.querySelector({selector}).click(); true")
        prefix = json.dumps(expected)
        try:
            wait_for(
                browser,
                session,
                f"location.href.startsWith({prefix}) && document.readyState === 'complete'",
                f"the browser to arrive at {expected}",
            )
        except TimeoutError:
            pass
        final = evaluate(browser, session, "location.href")
        text = evaluate(browser, session, "document.body ? document.body.innerText : ''")
        print(json.dumps({"page": page, "final_url": final, "final_text": text}))
        return 0 if final and final.startswith(expected) else 1
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
