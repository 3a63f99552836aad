"""The web chat page in a real browser at a phone's width (390 × 844): nothing overflows sideways,
buttons and the input are finger-sized, a long reply opens at its first line, a press spends the
keyboard. Headless Chromium over the DevTools protocol; skipped where Chromium is not installed."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.context import Context
from bot.router import Fallback
from bot.texts import web as web_texts
from tests.harness import BotHarness

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    # the page's layout does not depend on the database: SQLite only, so that a machine without
    # Chromium does not count as a skipped PostgreSQL test
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

WIDTH, HEIGHT = 390, 844
#: Apple's and Google's smallest comfortable touch target is about 44–48 px
TOUCH = 44


class Page:
    """One browser tab driven over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.n = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its answer (events in between are skipped)."""
        self.n += 1
        await self.ws.send_json({"id": self.n, "method": method, "params": params})
        while True:
            data = json.loads((await self.ws.receive(timeout=30)).data)
            if data.get("id") == self.n:
                assert "error" not in data, data
                result: dict[str, Any] = data.get("result", {})
                return result

    async def js(self, expression: str) -> Any:
        """Evaluate in the page and return the value."""
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                                 awaitPromise=True)
        return result["result"].get("value")

    async def until(self, expression: str, seconds: float = 30) -> Any:
        """Poll until `expression` is truthy."""
        for _ in range(int(seconds * 10)):
            value = await self.js(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        texts = await self.js("[...document.querySelectorAll('.msg')].map(m => m.textContent)")
        raise AssertionError(f"never true: {expression}: {texts}")


@pytest.fixture
async def page(kb_harness: BotHarness, tmp_path: Path) -> AsyncIterator[Page]:
    assert CHROMIUM is not None
    async with TestServer(kb_harness.app.web_app) as server:
        profile = tmp_path / "chromium"
        browser = await asyncio.create_subprocess_exec(
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", "--remote-debugging-port=0",
            f"--window-size={WIDTH},{HEIGHT}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            port_file = profile / "DevToolsActivePort"
            for _ in range(300):
                if port_file.exists() and port_file.read_text().strip():
                    break
                await asyncio.sleep(0.1)
            port = int(port_file.read_text().split()[0])
            async with aiohttp.ClientSession() as http:
                tabs = await (await http.get(f"http://127.0.0.1:{port}/json")).json()
                tab = next(t for t in tabs if t["type"] == "page")
                async with http.ws_connect(tab["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                    p = Page(ws)
                    await p.call("Emulation.setDeviceMetricsOverride", width=WIDTH,
                                 height=HEIGHT, deviceScaleFactor=2, mobile=True)
                    await p.call("Page.navigate", url=str(server.make_url("/")))
                    yield p
        finally:
            browser.terminate()
            await asyncio.wait_for(browser.wait(), timeout=30)


SAY = """(() => {{ const q = document.getElementById('q'); q.value = {text};
  document.getElementById('f').requestSubmit(); }})()"""
BOT_COUNT = "document.querySelectorAll('.msg.bot').length"
LAST_BOT = "[...document.querySelectorAll('.msg.bot')].pop()"


@pytest.mark.slow
async def test_web_chat_fits_a_phone(page: Page) -> None:
    await page.until(f"{BOT_COUNT} >= 1")  # the greeting
    before = await page.js(BOT_COUNT)
    # a long answer with "Xem thêm" buttons, asked without diacritics
    await page.js(SAY.format(text=json.dumps("to cong nghe so cong dong gom nhung ai")))
    await page.until(f"{BOT_COUNT} > {before} && !!{LAST_BOT}.querySelector('.buttons button')")
    layout = await page.js(f"""(() => {{
      const log = document.getElementById('log'), last = {LAST_BOT};
      const size = e => e.getBoundingClientRect();
      return {{
        scrollWidth: document.documentElement.scrollWidth,
        wider: [...document.querySelectorAll('body *')].filter(e => size(e).right > {WIDTH} + 1)
                 .map(e => e.tagName + '.' + e.className),
        buttons: [...last.querySelectorAll('.buttons button')].map(b => size(b).height),
        controls: [...document.querySelectorAll('form textarea, form button')]
                    .map(e => size(e).height),
        replyTop: size(last).top - size(log).top,
        replyTaller: size(last).height > log.clientHeight,
        waiting: document.querySelectorAll('.wait').length,
      }}; }})()""")
    assert layout["scrollWidth"] <= WIDTH and layout["wider"] == []
    assert layout["waiting"] == 0  # the "…" shown while waiting is gone with the answer
    assert layout["buttons"] and min(layout["buttons"]) >= TOUCH
    assert layout["controls"] and min(layout["controls"]) >= TOUCH
    # the reply is read from its first line, not scrolled to its end
    assert layout["replyTop"] >= 0, layout

    # a 'see also' section is navigation: it opens, and nothing on the answer is spent
    count = await page.js(BOT_COUNT)
    await page.js(f"{LAST_BOT}.querySelector('.buttons button').click()")
    await page.until(f"{BOT_COUNT} > {count}")
    assert "📖" in await page.js(f"{LAST_BOT}.textContent")
    states = f"""(() => {{
      const bots = [...document.querySelectorAll('.msg.bot')], pressed = bots[{count} - 1];
      return [...pressed.querySelectorAll('.buttons button')].map(b => [b.disabled,
        b.classList.contains('chosen')]); }})()"""
    assert not any(disabled for disabled, _ in await page.js(states))
    # a choice ('Hữu ích', the last but one): the chosen button stays marked, the other choice is
    # spent, the navigation stays usable
    count2 = await page.js(BOT_COUNT)
    await page.js(f"""(() => {{ const bots = [...document.querySelectorAll('.msg.bot')];
      const all = [...bots[{count} - 1].querySelectorAll('.buttons button')];
      all[all.length - 2].click(); }})()""")
    await page.until(f"{BOT_COUNT} > {count2}")
    after = await page.js(states)
    assert after[-2] == [True, True] and after[-1] == [True, False]
    assert not any(disabled for disabled, _ in after[:-2])


#: the page's 30 s poll, captured to be run by hand; every poll's answer status recorded
CAPTURE_POLL = """window.__polls = []; window.__answered = []; window.__asked = 0;
const every = window.setInterval;
window.setInterval = function (f, ms) {
  if (ms === 30000) { window.__polls.push(f); return 0; }
  return every.apply(this, arguments); };
const get = window.fetch;
window.fetch = function (url, options) {
  if (String(url).indexOf('/api/messages') < 0) { return get.apply(this, arguments); }
  window.__asked++;
  return get.apply(this, arguments).then(r => { window.__answered.push(r.status); return r; });
};"""


@pytest.mark.slow
async def test_a_refused_poll_is_quiet_and_waits(page: Page) -> None:
    """A 429 on the mailbox poll prints nothing in the chat, and the page polls again only after
    Retry-After (here about 5 s: the server's clock stands still)."""
    await page.until(f"{BOT_COUNT} >= 1")  # the first load, then again with the capture
    await page.call("Page.enable")
    await page.call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_POLL)
    await page.call("Page.reload")
    await page.until(f"window.__polls && __polls.length === 1 && {BOT_COUNT} >= 1")
    shown = await page.js("document.querySelectorAll('.msg').length")
    for n in range(1, 20):
        await page.js("__polls[0]()")
        await page.until(f"__answered.length >= {n}")
        if (await page.js("__answered"))[-1] == 429:
            break
    assert await page.js("__answered") == [200] * 12 + [429]
    for _ in range(3):  # within Retry-After: not even asked
        await page.js("__polls[0]()")
    await asyncio.sleep(0.5)
    assert await page.js("__asked") == 13
    assert await page.js("document.querySelectorAll('.msg').length") == shown


@pytest.mark.slow
async def test_a_message_refused_as_too_fast_goes_back_in_the_box(page: Page) -> None:
    """The session's budget spent (the server's clock stands still), the message refused (429,
    'chưa được xử lý') is put back in the input box, to be sent again without retyping."""
    await page.until(f"{BOT_COUNT} >= 1")  # the greeting
    refused = json.dumps(web_texts.TOO_MANY_REQUESTS.split("{")[0])
    for n in range(1, 30):
        count = await page.js(BOT_COUNT)
        await page.js(SAY.format(text=json.dumps(f"câu hỏi số {n}")))
        await page.until(f"{BOT_COUNT} > {count}")
        if await page.js(f"{LAST_BOT}.textContent.startsWith({refused})"):
            break
    else:
        raise AssertionError("never refused")
    assert await page.js("document.getElementById('q').value") == f"câu hỏi số {n}"


@pytest.mark.slow
async def test_a_press_that_never_arrived_leaves_its_buttons_usable(page: Page) -> None:
    """Found on a phone: a press made while the server restarted ("Mất kết nối…") left its
    keyboard spent — every choice greyed out, the pressed one marked chosen — though nothing was
    processed; the person could only type. The choices are usable again, as a refused text goes
    back in the box (a press that did arrive is refused by the server as already chosen)."""
    await page.until(f"{BOT_COUNT} >= 1")  # the greeting
    count = await page.js(BOT_COUNT)
    await page.js(SAY.format(text=json.dumps("to cong nghe so cong dong gom nhung ai")))
    await page.until(f"{BOT_COUNT} > {count} && !!{LAST_BOT}.querySelector('.buttons button')")
    answer = await page.js(BOT_COUNT)
    states = f"""(() => {{
      const bots = [...document.querySelectorAll('.msg.bot')], pressed = bots[{answer} - 1];
      return [...pressed.querySelectorAll('.buttons button')].map(b => [b.disabled,
        b.classList.contains('chosen')]); }})()"""
    await page.js("""window.__fetch = window.fetch;
      window.fetch = () => Promise.reject(new TypeError('offline'));""")
    await page.js(f"""(() => {{ const bots = [...document.querySelectorAll('.msg.bot')];
      const all = [...bots[{answer} - 1].querySelectorAll('.buttons button')];
      all[all.length - 2].click(); }})()""")  # 'Hữu ích'
    await page.until(f"{BOT_COUNT} > {answer}")
    assert web_texts.PAGE_OFFLINE in await page.js(f"{LAST_BOT}.textContent")
    assert not any(disabled or chosen for disabled, chosen in await page.js(states))
    # back online, the same press goes through and spends the keyboard
    await page.js("window.fetch = window.__fetch;")
    count = await page.js(BOT_COUNT)
    await page.js(f"""(() => {{ const bots = [...document.querySelectorAll('.msg.bot')];
      const all = [...bots[{answer} - 1].querySelectorAll('.buttons button')];
      all[all.length - 2].click(); }})()""")
    await page.until(f"{BOT_COUNT} > {count}")
    after = await page.js(states)
    assert after[-2] == [True, True] and after[-1] == [True, False]


@pytest.mark.slow
async def test_a_text_over_the_limit_is_kept_and_not_sent(page: Page) -> None:
    """Found by the outside tester: the box cut a pasted text at 4,000 characters without a word
    (maxlength), and what was sent was not what was written. The count shows as the text nears
    the limit; over it, sending says why and keeps the whole text in the box; shortened, it goes.
    Counted as the server counts (bot/dispatcher.py MAX_TEXT_CHARS), the words from bot/texts."""
    await page.until(f"{BOT_COUNT} >= 1")  # the greeting
    count = "document.getElementById('count')"
    assert await page.js(f"{count}.hidden") is True
    line = "Kính gửi anh chị, tôi xin hỏi về thủ tục chuyển đổi số cấp xã. "  # 63 characters
    await page.js("document.getElementById('q').focus()")
    await page.call("Input.insertText", text=line * 55)  # 3,465: near the limit, counted
    assert await page.js(f"{count}.hidden") is False
    assert await page.js(f"{count}.textContent") == web_texts.PAGE_COUNTER.format(
        count="3.464", limit="4.000")  # the trailing space is not sent, nor counted
    await page.call("Input.insertText", text=line * 25)  # pasted on: 5,040 in all
    assert await page.js("document.getElementById('q').value.length") == len(line) * 80
    shown = await page.js("document.querySelectorAll('.msg').length")
    await page.js("document.getElementById('f').requestSubmit()")
    await asyncio.sleep(0.5)
    assert await page.js("document.querySelectorAll('.msg').length") == shown  # nothing sent
    assert await page.js("document.getElementById('q').value.length") == len(line) * 80
    notice = web_texts.PAGE_TOO_LONG.format(count="5.039", limit="4.000")
    assert await page.js(f"{count}.textContent") == notice
    assert await page.js(f"{count}.getBoundingClientRect().right") <= WIDTH
    # shortened to a question: sent, answered, the count gone
    await page.js("""(() => { const q = document.getElementById('q');
      q.value = 'thủ tục chuyển đổi số cấp xã'; q.dispatchEvent(new Event('input')); })()""")
    assert await page.js(f"{count}.hidden") is True
    bots = await page.js(BOT_COUNT)
    await page.js("document.getElementById('f').requestSubmit()")
    await page.until(f"{BOT_COUNT} > {bots}")
    assert await page.js("document.getElementById('q').value") == ""


#: a test-only answer that says back what it was sent: the server's side of the line breaks
ECHO_MARK = "Vướng mắc tuần này:"


def _echo_line_breaks(harness: BotHarness) -> None:
    async def echo(ctx: Context) -> None:
        ctx.reply(ctx.text)

    harness.app.router.fallback(Fallback("echo", echo,
                                         matches=lambda ctx: ctx.text.startswith(ECHO_MARK)))


BLOCKERS = f"{ECHO_MARK}\n- thiếu kinh phí\n- thiếu cán bộ"
#: what the page sent to /api/chat, recorded
CAPTURE_SENT = """window.__sent = [];
const post = window.fetch;
window.fetch = function (url, options) {
  if (String(url).indexOf('/api/chat') >= 0) { window.__sent.push(JSON.parse(options.body)); }
  return post.apply(this, arguments); };"""
Q = "document.getElementById('q')"
HEIGHT_OF = "document.getElementById('q').getBoundingClientRect().height"
#: the lines of text an element shows (its height inside the padding over its line height)
LINES_OF = """(e => {{ const style = getComputedStyle(e);
  return Math.round((e.clientHeight - parseFloat(style.paddingTop)
                     - parseFloat(style.paddingBottom)) / parseFloat(style.lineHeight)); }})({})"""


async def _key(page: Page, key: str, *, shift: bool = False) -> None:
    """A key pressed on a hardware keyboard (Enter: with its text, as a browser sends it)."""
    text = {"Enter": "\r"}.get(key, key)
    common = {"key": key, "code": key, "windowsVirtualKeyCode": 13 if key == "Enter" else 0,
              "modifiers": 8 if shift else 0}
    await page.call("Input.dispatchKeyEvent", type="keyDown", text=text, **common)
    await page.call("Input.dispatchKeyEvent", type="keyUp", **common)


@pytest.mark.slow
async def test_a_pasted_report_keeps_its_line_breaks(page: Page, kb_harness: BotHarness) -> None:
    """Found by officials pasting their blockers: the box was one line, and a pasted text lost
    its line breaks. The box takes several lines and grows with them (up to four, then scrolls);
    on a desktop keyboard Shift+Enter starts a line and Enter sends; the text goes to the server
    with its line breaks, and the chat shows them, in the question and in the answer."""
    _echo_line_breaks(kb_harness)
    await page.until(f"{BOT_COUNT} >= 1")  # the greeting
    await page.js(CAPTURE_SENT)
    assert await page.js("matchMedia('(hover: none) and (pointer: coarse)').matches") is False
    empty = await page.js(HEIGHT_OF)
    await page.js(f"{Q}.focus()")
    await page.call("Input.insertText", text=BLOCKERS)  # pasted
    assert await page.js(f"{Q}.value") == BLOCKERS
    grown = await page.js(HEIGHT_OF)
    assert await page.js(LINES_OF.format(Q)) == 3 and grown > empty
    await _key(page, "Enter", shift=True)  # a new line, nothing sent
    await page.call("Input.insertText", text="- đề nghị hỗ trợ")
    assert await page.js(f"{Q}.value") == BLOCKERS + "\n- đề nghị hỗ trợ"
    assert await page.js("__sent.length") == 0
    taller = await page.js(HEIGHT_OF)
    assert await page.js(LINES_OF.format(Q)) == 4 and taller > grown
    # pasted on past four lines: the box stops growing and scrolls
    await page.call("Input.insertText", text="\n" + "\n".join(f"- ý {n}" for n in range(10)))
    assert await page.js(HEIGHT_OF) == taller
    assert await page.js(f"{Q}.scrollHeight > {Q}.clientHeight")
    await page.js(f"{Q}.value = {json.dumps(BLOCKERS)}; "
                  f"{Q}.dispatchEvent(new Event('input'))")
    bots = await page.js(BOT_COUNT)
    await _key(page, "Enter")  # sent
    await page.until(f"{BOT_COUNT} > {bots}")
    assert await page.js("__sent.map(b => b.text)") == [BLOCKERS]
    assert await page.js(f"{Q}.value") == ""
    assert await page.js(HEIGHT_OF) == empty  # back to one line
    # the question and the answer show their lines (innerText: as rendered, pre-wrap)
    shown = await page.js("[...document.querySelectorAll('.msg.me')].pop().innerText")
    assert shown == BLOCKERS
    assert await page.js(f"{LAST_BOT}.innerText") == BLOCKERS
    assert await page.js(LINES_OF.format(LAST_BOT)) == 3
    assert await page.js("document.documentElement.scrollWidth") <= WIDTH


@pytest.mark.slow
async def test_on_a_phone_enter_starts_a_line_and_the_button_sends(page: Page) -> None:
    """A phone's keyboard has no Shift+Enter: there Enter starts a new line (a report is written
    in paragraphs) and the 'Gửi' button sends."""
    await page.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)
    await page.call("Page.reload")
    await page.until(f"{BOT_COUNT} >= 1")  # the greeting
    await page.js(CAPTURE_SENT)
    assert await page.js("matchMedia('(hover: none) and (pointer: coarse)').matches") is True
    await page.js(f"{Q}.focus()")
    await page.call("Input.insertText", text="Tiến độ:")
    await _key(page, "Enter")
    await page.call("Input.insertText", text="đạt 60%")
    assert await page.js(f"{Q}.value") == "Tiến độ:\nđạt 60%"
    assert await page.js("__sent.length") == 0
    bots = await page.js(BOT_COUNT)
    await page.js("document.querySelector('form button[type=submit]').click()")
    await page.until(f"{BOT_COUNT} > {bots}")
    assert await page.js("__sent.map(b => b.text)") == ["Tiến độ:\nđạt 60%"]


@pytest.mark.slow
async def test_logging_out_from_the_header_asks_first(page: Page) -> None:
    """Found by the outside tester (ux-web): one tap on "Đăng xuất" in the header — beside the
    name, easy to hit by mistake on a phone — logged out at once: the check-in in progress
    stopped, and logging in again took a new invitation code from the unit's head. The page
    asks first (the words from bot/texts); declined, nothing is sent."""
    await page.until(f"{BOT_COUNT} >= 1")  # the greeting
    await page.js(CAPTURE_SENT)
    await page.js("""window.__asked = [];
      window.confirm = function (text) { window.__asked.push(text); return window.__answer; };""")
    await page.js("window.__answer = false; document.getElementById('logout').click()")
    await asyncio.sleep(0.5)
    assert await page.js("__asked") == [web_texts.PAGE_LOGOUT_CONFIRM]
    assert await page.js("__sent.length") == 0
    assert await page.js("document.querySelectorAll('.msg.me').length") == 0
    bots = await page.js(BOT_COUNT)
    await page.js("window.__answer = true; document.getElementById('logout').click()")
    await page.until(f"{BOT_COUNT} > {bots}")
    assert await page.js("__sent.map(b => b.text)") == ["/dangxuat"]


@pytest.mark.slow
async def test_a_double_tap_on_a_navigation_button_is_one_press(page: Page) -> None:
    """Found by the outside tester (ux-web): "Xem tiếp" (a button that stays usable) tapped twice
    before its page came — a slow network, a double tap — showed the same page twice. A tap while
    the button's press is on its way is the same press; once answered, it may be pressed again."""
    await page.until(f"{BOT_COUNT} >= 1")  # the greeting
    count = await page.js(BOT_COUNT)
    await page.js(SAY.format(text=json.dumps("to cong nghe so cong dong gom nhung ai")))
    await page.until(f"{BOT_COUNT} > {count} && !!{LAST_BOT}.querySelector('.buttons button')")
    await page.js(CAPTURE_SENT)
    answer = await page.js(BOT_COUNT)
    press = f"""(() => {{ const bots = [...document.querySelectorAll('.msg.bot')];
      const b = bots[{answer} - 1].querySelector('.buttons button'); b.click(); b.click(); }})()"""
    await page.js(press)  # a 'see also' section, twice at once
    await page.until(f"{BOT_COUNT} > {answer}")
    await asyncio.sleep(0.5)
    assert await page.js("__sent.length") == 1
    assert await page.js(BOT_COUNT) == answer + 1
    await page.js(press)  # answered: usable again
    await page.until(f"{BOT_COUNT} > {answer + 1}")
    assert await page.js("__sent.length") == 2
