// Settings in headless Chromium, driven by clicks and checked through the API:
// inboxes (the list's skeleton, error with Retry and empty state; "New inbox"
// step by step for a website with the live widget preview, members and the
// embed code with Copy, then API, Telegram and WhatsApp inboxes; editing the
// greeting / identity verification / working hours with the preview and the
// launcher's side, members), agents (create,
// promote, remove; not oneself), teams with members, labels with a colour
// swatch, canned responses (create, search, edit, delete), webhooks (delivery
// log, re-send, edit subscriptions, delete) and inline errors for wrong input.
// Also saves the dark-theme screenshot.
import crypto from "node:crypto";
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), CONVERSATION = env("CONVERSATION"), SINK = env("SINK");
const OTHER_EMAIL = env("OTHER_EMAIL"), OTHER_PASSWORD = env("OTHER_PASSWORD");
const TWILIO_SID = env("TWILIO_SID"), TWILIO_TOKEN = env("TWILIO_TOKEN");

// GET (and POST with a body) on the account's API with the admin's token.
const agentApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

// WCAG's contrast ratio of two computed colours ("rgb(r, g, b)").
function contrast(a, b) {
  const lum = (rgb) => {
    const [r, g, bl] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m);
  return (x + 0.05) / (y + 0.05);
}

// Polls the API until `test(value)` holds (the UI may still be saving).
async function eventually(path, test, what) {
  let last;
  for (let i = 0; i < 50; i++) {
    last = await agentApi(path);
    if (test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: ${JSON.stringify(last)}`);
}

const started = Date.now();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const T = { timeout: 10000 };

  // A second person in the account, to be made a member of an inbox and a
  // team: invited, and joining through the link with her own password.
  const invited = await agentApi("/agents", { name: "Dana Member", email: "dana@acme.test", role: "agent" });
  const joined = await fetch(`${BASE}/auth/invitation`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: invited.invitation.invitation_url.split("/invitation/")[1], password: "dana password 1" }),
  });
  check(joined.ok, "Dana accepts her invitation", joined.status);
  const dana = (await joined.json()).data;

  step("sign in and open Settings: Inboxes is the default section");
  await signIn(page, BASE, EMAIL, PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor(T);
  const sections = page.getByRole("navigation", { name: "Settings sections" });
  const currentSection = await sections.locator('a[aria-current="page"]').textContent();
  check(currentSection === "Inboxes", "default section", currentSection);

  step("inboxes: skeleton rows while the list loads; a failed load says so, and Retry loads it");
  const inboxList = page.getByRole("list", { name: "Inboxes" });
  await inboxList.locator("li[data-inbox]").first().waitFor(T);
  const inboxesUrl = (url) => url.pathname.endsWith("/inboxes");
  const otherSection = async () => {
    await sections.getByRole("link", { name: "Labels" }).click();
    await page.getByRole("form", { name: "New label" }).waitFor(T);
  };
  await otherSection();
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route(inboxesUrl, async (route) => { await held; await route.continue(); });
  await sections.getByRole("link", { name: "Inboxes" }).click();
  await inboxList.locator("li.skeleton").first().waitFor(T);
  check(await inboxList.getAttribute("aria-busy") === "true", "the loading list is busy", "");
  release();
  await inboxList.locator("li[data-inbox]").first().waitFor(T);
  check(await inboxList.getAttribute("aria-busy") === "false" && await inboxList.locator("li.skeleton").count() === 0,
    "loaded: not busy, no skeleton", "");
  await page.unroute(inboxesUrl);
  await otherSection();
  await page.route(inboxesUrl, (route) => route.abort());
  await sections.getByRole("link", { name: "Inboxes" }).click();
  const unreachable = inboxList.getByRole("alert").filter({ hasText: "Couldn't reach the server." });
  await unreachable.waitFor(T);
  check(await inboxList.getAttribute("aria-busy") === "false", "a failed list is not busy", "");
  await page.unroute(inboxesUrl);
  await unreachable.getByRole("button", { name: "Retry" }).click();
  await inboxList.locator("li[data-inbox]").first().waitFor(T);
  check(await inboxList.getByRole("alert").count() === 0, "the error goes once loaded", "");

  step("inboxes: an empty list says what to do, and its button starts a new inbox");
  await otherSection();
  await page.route(inboxesUrl, (route) => route.fulfill({ json: { payload: [] } }));
  await sections.getByRole("link", { name: "Inboxes" }).click();
  const noInboxes = inboxList.locator("li.empty-row").filter({ hasText: "No inboxes yet. Add one to start receiving conversations." });
  await noInboxes.waitFor(T);
  await page.unroute(inboxesUrl);
  const inboxCount = (await agentApi("/inboxes")).payload.length;
  await noInboxes.getByRole("button", { name: "New inbox" }).click();

  step("new inbox, step 1: the channels as cards; Escape goes back to the list");
  const flow = page.getByRole("region", { name: "New inbox" });
  await flow.getByText("Step 1 of 4", { exact: true }).waitFor(T);
  for (const name of ["Website", "API", "Telegram", "WhatsApp", "E-mail", "SMS (Twilio)"]) {
    check(await flow.getByRole("button", { name, exact: true }).count() === 1, `a card for ${name}`, "");
  }
  check(await inboxList.isHidden(), "the steps take the list's place", "");
  const focusedText = () => page.evaluate(() => document.activeElement && (document.activeElement.getAttribute("aria-label")
    || document.activeElement.textContent || "").trim());
  check((await focusedText()).startsWith("Website"), "the first card has the focus", await focusedText());
  await page.keyboard.press("Escape");
  await flow.waitFor({ state: "detached", ...T });
  await noInboxes.waitFor(T);
  const newInbox = page.locator(".section-head").getByRole("button", { name: "New inbox", exact: true });
  check(await focusedText() === "New inbox", "the focus back on New inbox", await focusedText());

  step("new inbox from the keyboard, step 2: the website's form; Back keeps what was typed; nothing made yet");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.keyboard.press("Enter");
  await flow.getByText("Step 1 of 4", { exact: true }).waitFor(T);
  await page.keyboard.press("Enter");
  await flow.getByText("Step 2 of 4", { exact: true }).waitFor(T);
  const current = await flow.locator('ol.steps li[aria-current="step"]').textContent();
  check(current.includes("Details"), "the step marked current", current);
  const webForm = flow.getByRole("form", { name: "New website inbox" });
  check(await webForm.getByLabel("Name").evaluate((n) => n === document.activeElement), "the focus in Name", "");
  await page.keyboard.type("Docs site");
  await webForm.getByRole("button", { name: "Back" }).click();
  await flow.getByText("Step 1 of 4", { exact: true }).waitFor(T);
  check((await focusedText()).startsWith("Website"), "Back returns to the chosen card", await focusedText());
  await page.keyboard.press("Enter");
  check(await webForm.getByLabel("Name").inputValue() === "Docs site", "the name kept across Back", "");
  check((await agentApi("/inboxes")).payload.length === inboxCount, "nothing made before the form is sent", "");

  step("the widget preview follows the form: colour (readable text), title, greeting, side");
  const preview = flow.locator(".widget-preview");
  const look = (scope) => scope.locator(".wp-header").evaluate((n) => {
    const s = getComputedStyle(n);
    return { bg: s.backgroundColor, fg: s.color };
  });
  let seen = await look(preview);
  check(seen.bg === "rgb(31, 147, 255)", "the default colour", seen);
  check(contrast(seen.fg, seen.bg) >= 4.5, "readable text on #1f93ff", seen);
  await webForm.getByLabel("Colour").fill("#e11d48");
  seen = await look(preview);
  check(seen.bg === "rgb(225, 29, 72)" && contrast(seen.fg, seen.bg) >= 4.5, "the new colour in the preview", seen);
  const launcherColour = await preview.locator(".wp-launcher").evaluate((n) => getComputedStyle(n).backgroundColor);
  check(launcherColour === "rgb(225, 29, 72)", "the launcher in the new colour", launcherColour);
  await webForm.getByLabel("Website URL").fill("https://docs.example");
  await webForm.getByLabel("Welcome title").fill("Hi there");
  await webForm.getByLabel("Welcome tagline").fill("We answer within the hour");
  check(await preview.locator(".wp-title").textContent() === "Hi there", "the title in the preview", "");
  check(await preview.locator(".wp-tagline").textContent() === "We answer within the hour", "the tagline in the preview", "");
  check(await preview.locator(".wp-bubble").isHidden(), "no greeting bubble while the greeting is off", "");
  await webForm.getByLabel("Send a greeting").check();
  await webForm.getByLabel("Greeting message").fill("Hello from the docs team!");
  check(await preview.locator(".wp-bubble").textContent() === "Hello from the docs team!", "the greeting in the preview", "");
  await webForm.getByLabel("Reply time shown to visitors").selectOption("in_a_few_hours");
  check(await preview.locator(".wp-reply").textContent() === "Typically replies in a few hours", "the reply time in the preview", "");
  await webForm.getByLabel(/Allowed domains/).fill("docs.example");
  const side = async (scope) => {
    const stage = await scope.locator(".wp-stage").boundingBox();
    const launcher = await scope.locator(".wp-launcher").boundingBox();
    return launcher.x + launcher.width / 2 < stage.x + stage.width / 2 ? "left" : "right";
  };
  check(await side(preview) === "right", "the launcher on the right", "");
  await webForm.getByLabel("Bottom left").check();
  check(await side(preview) === "left", "the launcher moved left", "");
  await page.screenshot({ path: `${SHOTS}/settings-new-inbox.png` });

  step("new inbox, steps 3 and 4: members, then the embed code with the launcher's side");
  await webForm.getByRole("button", { name: "Create inbox" }).click();
  await flow.getByText("Step 3 of 4", { exact: true }).waitFor(T);
  const flowMembers = flow.getByRole("form", { name: "Members" });
  await flowMembers.getByRole("checkbox", { name: /Dana Member/ }).check();
  await flowMembers.getByRole("button", { name: "Add and continue" }).click();
  await flow.getByText("Step 4 of 4", { exact: true }).waitFor(T);
  await flow.getByRole("heading", { name: "Docs site is ready" }).waitFor(T);
  const script = await flow.locator("pre.snippet").textContent();
  check(script.includes(`${BASE}/widget.js`) && /data-website-token="[^"]+"/.test(script) && script.includes('data-position="left"'),
    "the embed code", script);
  await flow.getByRole("button", { name: "Copy" }).click();
  await flow.getByRole("status").filter({ hasText: "Copied" }).waitFor({ timeout: 5000 });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  check(copied === script, "the clipboard holds the embed code", copied);
  const made = (await agentApi("/inboxes")).payload.find((i) => i.name === "Docs site");
  check(made && made.channel_type === "Channel::WebWidget" && made.welcome_title === "Hi there" && made.widget_color === "#e11d48"
    && made.welcome_tagline === "We answer within the hour" && made.reply_time === "in_a_few_hours" && made.greeting_enabled === true
    && made.greeting_message === "Hello from the docs team!" && made.allowed_domains === "docs.example", "the website inbox", made);
  const firstMembers = (await agentApi(`/inbox_members/${made.id}`)).payload.map((a) => a.email);
  check(firstMembers.join() === "dana@acme.test", "members added in step 3", firstMembers);

  step("Go to the inbox settings: its editor, with the preview of what is saved");
  await flow.getByRole("button", { name: "Go to the inbox settings" }).click();
  await flow.waitFor({ state: "detached", ...T });
  const docsRow = page.locator("li[data-inbox]", { hasText: "Docs site" });
  const inboxSettings = docsRow.getByRole("form", { name: "Inbox settings" });
  await inboxSettings.waitFor(T);
  const editPreview = docsRow.locator(".widget-preview");
  check(await editPreview.locator(".wp-title").textContent() === "Hi there", "the saved title in the preview", "");
  seen = await look(editPreview);
  check(seen.bg === "rgb(225, 29, 72)", "the saved colour in the preview", seen);

  step("an inbox's settings: the preview changes before saving, and the snippet follows the launcher's side");
  await inboxSettings.getByLabel("Colour").fill("#1f93ff");
  seen = await look(editPreview);
  check(seen.bg === "rgb(31, 147, 255)" && contrast(seen.fg, seen.bg) >= 4.5, "the edited colour, readable", seen);
  await inboxSettings.getByLabel("Welcome title").fill("Docs help");
  check(await editPreview.locator(".wp-title").textContent() === "Docs help", "the edited title in the preview", "");
  check((await agentApi(`/inboxes/${made.id}`)).welcome_title === "Hi there", "nothing saved by the preview", "");
  const editSnippet = docsRow.locator("pre.snippet");
  check(!(await editSnippet.textContent()).includes("data-position"), "right is the default: no attribute", "");
  check(await side(editPreview) === "right", "the launcher on the right", "");
  await docsRow.getByLabel("Bottom left").check();
  check((await editSnippet.textContent()).includes('data-position="left"'), "left adds data-position", await editSnippet.textContent());
  check(await side(editPreview) === "left", "the launcher moved left", "");
  await docsRow.evaluate((n) => n.scrollIntoView({ block: "start" }));
  await page.screenshot({ path: `${SHOTS}/settings-desktop.png` });
  await page.setViewportSize({ width: 1280, height: 900 });

  step("edit the website inbox: greeting, identity verification, reply time, widget options, working hours");
  await inboxSettings.getByLabel("Send a greeting").check();
  await inboxSettings.getByLabel("Greeting message").fill("Hello! We usually reply within minutes.");
  await inboxSettings.getByLabel(/Require identity verification/).check();
  await inboxSettings.getByLabel("Reply time shown to visitors").selectOption("in_a_day");
  await inboxSettings.getByLabel("Visitors can attach files").uncheck();
  await inboxSettings.getByLabel(/pre-chat form/).check();
  await inboxSettings.getByLabel("Pre-chat message").fill("Tell us who you are");
  await inboxSettings.getByLabel(/Use working hours/).check();
  await inboxSettings.getByLabel("Saturday: Open").check();
  await inboxSettings.getByLabel("Saturday: From").fill("10:00");
  await inboxSettings.getByLabel("Saturday: To").fill("14:30");
  const hmacToken = await inboxSettings.getByLabel("HMAC token", { exact: true }).inputValue();
  await inboxSettings.getByRole("button", { name: "Save" }).click();
  await inboxSettings.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  const edited = await agentApi(`/inboxes/${made.id}`);
  const saturday = (edited.working_hours || []).find((d) => d.day_of_week === 6);
  check(edited.greeting_enabled === true && edited.greeting_message === "Hello! We usually reply within minutes."
    && edited.hmac_mandatory === true && edited.reply_time === "in_a_day" && edited.working_hours_enabled === true
    && !edited.selected_feature_flags.includes("attachments") && edited.selected_feature_flags.includes("end_conversation")
    && edited.pre_chat_form_enabled === true && edited.pre_chat_form_options.pre_chat_message === "Tell us who you are"
    && edited.working_hours.length === 7 && saturday && !saturday.closed_all_day && saturday.open_hour === 10
    && saturday.close_hour === 14 && saturday.close_minutes === 30 && hmacToken && edited.hmac_token === hmacToken
    && edited.widget_color === "#1f93ff" && edited.welcome_title === "Docs help",
  "edited inbox", edited);

  step("the website inbox's members: Alice and Dana");
  const members = docsRow.getByRole("form", { name: "Members" });
  await members.getByRole("checkbox", { name: /Dana Member/ }).check();
  await members.getByRole("checkbox", { name: /Alice Admin/ }).check();
  await members.getByRole("button", { name: "Save members" }).click();
  await members.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  const inboxMembers = (await agentApi(`/inbox_members/${made.id}`)).payload.map((a) => a.email).sort();
  check(inboxMembers.join() === "alice@acme.test,dana@acme.test", "inbox members", inboxMembers);
  // The open editor is taller than the window; a tall window shows all of it.
  await page.setViewportSize({ width: 1280, height: 2600 });
  await docsRow.screenshot({ path: `${SHOTS}/dashboard-settings-inbox.png` });
  await page.setViewportSize({ width: 1280, height: 900 });
  await docsRow.getByRole("button", { name: "Edit Docs site" }).click();
  await inboxSettings.waitFor({ state: "detached", ...T });

  step("an API inbox: an empty name is refused on the form's step; then created, members skipped, its identifier shown");
  await newInbox.click();
  await flow.getByRole("button", { name: "API", exact: true }).click();
  const apiForm = flow.getByRole("form", { name: "New API inbox" });
  await apiForm.getByRole("button", { name: "Create inbox" }).click();
  await apiForm.getByRole("alert").filter({ hasText: "can't be blank" }).waitFor(T);
  check(await flow.getByText("Step 2 of 4", { exact: true }).count() === 1, "the refusal keeps the form's step", "");
  check(await apiForm.getByLabel("Name").getAttribute("aria-invalid") === "true", "name marked invalid", "");
  await apiForm.getByLabel("Name").fill("Orders API");
  await apiForm.getByLabel(/Webhook URL/).fill("https://orders.example/hook");
  await apiForm.getByRole("button", { name: "Create inbox" }).click();
  await flow.getByText("Step 3 of 4", { exact: true }).waitFor(T);
  await flow.getByRole("button", { name: "Skip" }).click();
  await flow.getByText("Step 4 of 4", { exact: true }).waitFor(T);
  const shownIdentifier = await flow.locator("input.secret.identifier").inputValue();
  const shownHook = await flow.locator("input.secret.webhook").inputValue();
  const apiInbox = (await agentApi("/inboxes")).payload.find((i) => i.name === "Orders API");
  check(apiInbox && apiInbox.channel_type === "Channel::Api" && apiInbox.webhook_url === "https://orders.example/hook"
    && apiInbox.inbox_identifier === shownIdentifier && shownHook === apiInbox.webhook_url, "API inbox", apiInbox);
  check((await agentApi(`/inbox_members/${apiInbox.id}`)).payload.length === 0, "no members when skipped", "");
  await flow.getByRole("button", { name: "Done" }).click();
  await flow.waitFor({ state: "detached", ...T });
  await page.locator("li[data-inbox]", { hasText: "Orders API" }).waitFor(T);
  check(await focusedText() === "Edit Orders API", "Done puts the focus on the new inbox", await focusedText());

  step("a Telegram inbox: a malformed token is refused on its step; a good one is checked with Telegram and connected");
  await newInbox.click();
  await flow.getByRole("button", { name: "Telegram", exact: true }).click();
  const tgForm = flow.getByRole("form", { name: "New Telegram inbox" });
  await tgForm.getByLabel("Name").fill("Telegram");
  await tgForm.getByLabel("Bot token").fill("not-a-token");
  await tgForm.getByRole("button", { name: "Create inbox" }).click();
  await tgForm.getByRole("alert").filter({ hasText: "not a Telegram bot token" }).waitFor(T);
  await tgForm.getByLabel("Bot token").fill(env("TG_TOKEN"));
  await tgForm.getByRole("button", { name: "Create inbox" }).click();
  await flow.getByRole("button", { name: "Skip" }).click();
  await flow.getByText("Connected to Acme Support (@acme_support_bot).").waitFor(T);
  await flow.getByRole("button", { name: "Done" }).click();
  await page.locator("li[data-inbox]", { hasText: "Telegram" }).waitFor(T);
  const tgInbox = (await agentApi("/inboxes")).payload.find((i) => i.channel_type === "Channel::Telegram");
  check(tgInbox && tgInbox.name === "Telegram" && tgInbox.bot_name === "Acme Support", "Telegram inbox", tgInbox);

  step("a WhatsApp inbox: the credentials are checked by syncing templates; the callback URL and verify token are shown");
  await newInbox.click();
  await flow.getByRole("button", { name: "WhatsApp", exact: true }).click();
  const waForm = flow.getByRole("form", { name: "New WhatsApp inbox" });
  await waForm.getByLabel("Name").fill("WhatsApp");
  await waForm.getByLabel("Phone number", { exact: true }).fill("+15550783881");
  await waForm.getByLabel("Phone number ID").fill("106540352242922");
  await waForm.getByLabel("WhatsApp Business Account ID").fill("102290129340398");
  await waForm.getByLabel("Access token").fill("EAAG-browser-token");
  await waForm.getByLabel("App secret").fill("browser-app-secret");
  await waForm.getByRole("button", { name: "Create inbox" }).click();
  await flow.getByRole("button", { name: "Skip" }).click();
  await flow.getByText("Message templates synced: 3").waitFor(T);
  const callback = await flow.locator("input.secret.callback").inputValue();
  check(callback === `${BASE}/webhooks/whatsapp/15550783881`, "callback URL", callback);
  const verify = await flow.locator("input.secret.verify").inputValue();
  const handshake = await fetch(`${callback}?hub.mode=subscribe&hub.verify_token=${verify}&hub.challenge=42`);
  check(handshake.status === 200 && (await handshake.text()) === "42", "the shown verify token answers Meta's handshake", handshake.status);
  await flow.getByRole("button", { name: "Done" }).click();
  await page.locator("li[data-inbox]", { hasText: "WhatsApp" }).waitFor(T);

  step("an SMS inbox through Twilio, from the form its channel describes: created, shown its webhook URL, receiving and replying");
  await newInbox.click();
  await flow.getByRole("button", { name: "SMS (Twilio)", exact: true }).click();
  const smsForm = flow.getByRole("form", { name: "New SMS (Twilio) inbox" });
  await smsForm.getByLabel("Name").fill("SMS");
  await smsForm.getByLabel("Account SID").fill(TWILIO_SID);
  await smsForm.getByLabel("Auth token").fill("not the token");
  await smsForm.getByLabel("Phone number").fill("+1 500 555 0006");
  await smsForm.getByRole("button", { name: "Create inbox" }).click();
  await smsForm.getByRole("alert").filter({ hasText: "Twilio did not accept these credentials" }).waitFor(T);
  await smsForm.getByLabel("Auth token").fill(TWILIO_TOKEN);
  await smsForm.getByRole("button", { name: "Create inbox" }).click();
  await flow.getByRole("button", { name: "Skip" }).click();
  const smsHook = await flow.locator("input.secret.webhook").inputValue();
  check(smsHook.startsWith(`${BASE}/webhooks/twilio/`), "the webhook URL to give Twilio", smsHook);
  await flow.getByRole("button", { name: "Done" }).click();
  await page.locator("li[data-inbox]", { hasText: "SMS" }).first().waitFor(T);
  const sms = { MessageSid: "SMbrowser0001", SmsStatus: "received", AccountSid: TWILIO_SID, From: "+15551230000",
    To: "+15005550006", Body: "Is my parcel on its way?", NumMedia: "0" };
  const signed = Object.keys(sms).sort().reduce((acc, k) => acc + k + sms[k], smsHook);
  const smsPost = await fetch(smsHook, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": crypto.createHmac("sha1", TWILIO_TOKEN).update(signed).digest("base64") },
    body: new URLSearchParams(sms).toString(),
  });
  check(smsPost.status === 200, "Twilio's signed post taken", smsPost.status);
  const smsInbox = (await agentApi("/inboxes")).payload.find((i) => i.channel_type === "Channel::TwilioSms");
  const smsConvs = (await agentApi(`/conversations?inbox_id=${smsInbox.id}&status=all`)).data.payload;
  check(smsConvs.length === 1, "one SMS conversation", smsConvs);
  await page.evaluate((id) => { location.hash = `#/conversations/${id}`; }, smsConvs[0].id);
  await page.locator(".thread li", { hasText: "Is my parcel on its way?" }).waitFor(T);
  await page.locator("#composer-input").fill("It left the warehouse today.");
  await page.keyboard.press("Enter");
  await page.locator(".thread li:not(.pending)", { hasText: "It left the warehouse today." }).waitFor(T);

  step("a WhatsApp conversation outside the 24-hour window: only a template can be sent, from the composer");
  const waInbox = (await agentApi("/inboxes")).payload.find((i) => i.channel_type === "Channel::Whatsapp");
  const waContact = (await agentApi("/contacts", { name: "Kerry Fisher", phone_number: "+16315551181", inbox_id: waInbox.id })).payload.contact;
  const waConv = await agentApi("/conversations", { inbox_id: waInbox.id, contact_id: waContact.id });
  await page.evaluate((id) => { location.hash = `#/conversations/${id}`; }, waConv.id);
  const note = page.getByRole("note").filter({ hasText: "More than 24 hours" });
  await note.waitFor(T);
  await note.getByLabel("Template").selectOption({ label: "order_shipped (en_US)" });
  const values = note.locator(".template-params input");
  check(await values.count() === 2, "two values for order_shipped", await values.count());
  await values.nth(0).fill("Kerry");
  await values.nth(1).fill("1042");
  await note.locator(".template-preview", { hasText: "Kerry" }).waitFor(T);
  await note.getByRole("button", { name: "Send template" }).click();
  await page.locator(".thread li.out:not(.pending)", { hasText: "Kerry" }).waitFor(T);
  for (let i = 0; ; i++) {
    const ms = (await agentApi(`/conversations/${waConv.id}/messages`)).payload;
    if (ms.some((m) => m.source_id && m.source_id.startsWith("wamid."))) break;
    if (i > 100) throw new Error(`the template was not sent: ${JSON.stringify(ms)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.evaluate(() => { location.hash = "#/settings"; });
  await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor(T);

  step("agents: no role change or removal for oneself; a bad e-mail is refused inline");
  await sections.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("heading", { name: "Agents", level: 2 }).waitFor(T);
  const meRow = page.locator("tr[data-agent]", { hasText: "alice@acme.test" });
  await meRow.waitFor(T);
  check(await meRow.locator("select").count() === 0 && await meRow.locator("td:not(.capacity-cell)").getByRole("button").count() === 0, "own row is read-only", "");
  const agentForm = page.getByRole("form", { name: "Invite an agent" });
  check(await agentForm.getByLabel(/Password/).count() === 0, "no password chosen for someone else", "");
  await agentForm.getByLabel("Name").fill("Eve Example");
  await agentForm.getByLabel("E-mail").fill("eve@nowhere");
  await agentForm.getByRole("button", { name: "Invite" }).click();
  await agentForm.getByRole("alert").filter({ hasText: "Email is invalid" }).waitFor(T);
  check(await agentForm.getByLabel("E-mail").getAttribute("aria-invalid") === "true", "e-mail marked invalid", "");

  step("agents: invite (no mail server: the link is shown), Eve joins in her own browser, promote, remove");
  await agentForm.getByLabel("E-mail").fill("eve@acme.test");
  await agentForm.getByLabel("Role").selectOption("agent");
  await agentForm.getByRole("button", { name: "Invite" }).click();
  const linkBox = agentForm.locator("input.invitation-url");
  await linkBox.waitFor(T);
  const link = await linkBox.inputValue();
  check(link.includes("/app/#/invitation/"), "invitation link", link);
  const pendingRow = page.locator("tr[data-invitation]", { hasText: "eve@acme.test" });
  await pendingRow.waitFor(T);
  check((await agentApi("/agents")).every((a) => a.email !== "eve@acme.test"), "not a member before accepting", "");
  const eveContext = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-US" });
  const evePage = await eveContext.newPage();
  evePage.on("pageerror", (e) => errors.push(`eve: ${e.message}`));
  await evePage.goto(link);
  await evePage.getByRole("heading", { name: /^Join / }).waitFor(T);
  await evePage.getByLabel("Password").fill("short");
  await evePage.getByRole("button", { name: "Join" }).click();
  await evePage.getByRole("alert").filter({ hasText: /too short/i }).waitFor(T);
  await evePage.screenshot({ path: `${SHOTS}/dashboard-invitation.png` });
  await evePage.getByLabel("Password").fill("eve password 1");
  await evePage.getByRole("button", { name: "Join" }).click();
  await evePage.getByRole("link", { name: "Conversations" }).waitFor(T);
  check(!evePage.url().includes("invitation"), "the link leaves the address bar", evePage.url());
  await eveContext.close();
  await page.reload();
  await page.getByRole("heading", { name: "Agents", level: 2 }).waitFor(T);
  const eveRow = page.locator("tr[data-agent]", { hasText: "eve@acme.test" });
  await eveRow.waitFor(T);
  check(await page.locator("tr[data-invitation]").count() === 0, "the invitation is used up", "");
  check(await eveRow.getByRole("button", { name: /^Edit/ }).count() === 0, "no editing another person's name or password", "");
  let eve = (await agentApi("/agents")).find((a) => a.email === "eve@acme.test");
  check(eve && eve.role === "agent" && eve.name === "Eve Example", "new agent", eve);
  await eveRow.getByLabel("Role of Eve Example").selectOption("administrator");
  await eveRow.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  eve = (await agentApi("/agents")).find((a) => a.email === "eve@acme.test");
  check(eve.role === "administrator", "promoted", eve);
  await page.screenshot({ path: `${SHOTS}/dashboard-settings-agents.png`, fullPage: true });
  await eveRow.getByRole("button", { name: "Remove" }).click();
  await eveRow.getByRole("button", { name: "Confirm remove" }).click();
  await eveRow.waitFor({ state: "detached", ...T });
  const left = (await agentApi("/agents")).map((a) => a.email).sort();
  check(left.join() === "alice@acme.test,dana@acme.test", "agents after removal", left);

  step("agents: someone with a login elsewhere is invited, sees the notice after signing in, and accepts");
  await agentForm.getByLabel("Name").fill("Olga Outside");
  await agentForm.getByLabel("E-mail").fill(OTHER_EMAIL);
  await agentForm.getByRole("button", { name: "Invite" }).click();
  await page.locator("tr[data-invitation]", { hasText: OTHER_EMAIL }).waitFor(T);
  const olgaContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  const olgaPage = await olgaContext.newPage();
  olgaPage.on("pageerror", (e) => errors.push(`olga: ${e.message}`));
  await signIn(olgaPage, BASE, OTHER_EMAIL, OTHER_PASSWORD);
  const notice = olgaPage.getByRole("region", { name: "Invitations" });
  await notice.getByText("Acme invited you to join as an agent.").waitFor(T);
  await olgaPage.screenshot({ path: `${SHOTS}/dashboard-invitations-notice.png` });
  await notice.getByRole("button", { name: "Accept" }).click();
  await notice.waitFor({ state: "detached", ...T });
  // Now in two accounts: the header switches between them.
  const switcher = olgaPage.getByLabel("Account");
  await switcher.waitFor(T);
  // Accepting took her to Acme, where she is an agent (no Settings); the
  // header switches to her own account, and the choice survives a reload.
  check(await switcher.inputValue() === ACCOUNT, "in the account she joined", await switcher.inputValue());
  check(await olgaPage.getByRole("link", { name: "Settings" }).count() === 0, "an agent in Acme", "");
  await switcher.selectOption({ label: "Other Co" });
  await olgaPage.getByRole("link", { name: "Settings" }).waitFor(T);
  await olgaPage.reload();
  await olgaPage.getByRole("link", { name: "Settings" }).waitFor(T);
  check(await olgaPage.getByLabel("Account").inputValue() !== ACCOUNT, "the chosen account after a reload", "");
  await olgaContext.close();
  const withOlga = (await agentApi("/agents")).map((a) => a.email).sort();
  check(withOlga.includes(OTHER_EMAIL), "accepted from the notice", withOlga);

  step("sign-in page: forgot password answers the same for any address");
  const anon = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-US" });
  const anonPage = await anon.newPage();
  anonPage.on("pageerror", (e) => errors.push(`anon: ${e.message}`));
  await anonPage.goto(`${BASE}/app`);
  await anonPage.getByRole("button", { name: "Forgot your password?" }).click();
  await anonPage.getByRole("heading", { name: "Reset your password" }).waitFor(T);
  await anonPage.getByLabel("E-mail").fill("nobody@nowhere.test");
  await anonPage.getByRole("button", { name: "Send the link" }).click();
  await anonPage.getByRole("status").filter({ hasText: "If this address has a login" }).waitFor(T);
  await anonPage.getByRole("button", { name: "Back to sign-in" }).click();
  await anonPage.getByRole("heading", { name: "Sign in to Switchboard" }).waitFor(T);
  await anonPage.goto(`${BASE}/app#/reset-password/notarealtoken`);
  await anonPage.reload();
  await anonPage.getByLabel("New password", { exact: true }).fill("a new password 1");
  await anonPage.getByLabel("Repeat the new password").fill("a new password 1");
  await anonPage.getByRole("button", { name: "Set the password" }).click();
  await anonPage.getByRole("alert").filter({ hasText: "invalid or has expired" }).waitFor(T);
  await anon.close();

  step("teams (opened from the keyboard; the focus stays on the section link)");
  await sections.getByRole("link", { name: "Teams" }).focus();
  await page.keyboard.press("Enter");
  const teamForm = page.getByRole("form", { name: "New team" });
  await teamForm.waitFor(T);
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute("aria-current") + " " + document.activeElement.textContent);
  check(focused === "page Teams", "focus after switching sections", focused);

  step("teams: the empty list says what to do; its button moves to the new team's form");
  const noTeams = page.getByRole("list", { name: "Teams" }).locator("li.empty-row")
    .filter({ hasText: "No teams yet. Create one to share conversations among its members." });
  await noTeams.waitFor(T);
  await noTeams.getByRole("button", { name: "New team" }).click();
  check(await teamForm.getByLabel("Name").evaluate((n) => n === document.activeElement), "the focus in the new team's name", "");

  step("teams: an empty name is refused; create one, add a member, turn auto-assign off");
  await teamForm.getByRole("button", { name: "Create" }).click();
  await teamForm.getByRole("alert").filter({ hasText: "can't be blank" }).waitFor(T);
  await teamForm.getByLabel("Name").fill("Billing");
  await teamForm.getByLabel("Description").fill("Invoices and refunds");
  await teamForm.getByRole("button", { name: "Create" }).click();
  const teamRow = page.locator("li[data-team]", { hasText: "billing" });
  await teamRow.waitFor(T);
  const team = (await agentApi("/teams")).find((x) => x.name === "billing");
  check(team && team.description === "Invoices and refunds" && team.allow_auto_assign === true, "team", team);
  await teamRow.getByRole("button", { name: "Edit" }).click();
  const teamMembers = teamRow.getByRole("form", { name: "Members" });
  await teamMembers.getByRole("checkbox", { name: /Dana Member/ }).check();
  await teamMembers.getByRole("button", { name: "Save members" }).click();
  await teamMembers.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  const onTeam = (await agentApi(`/teams/${team.id}/team_members`)).map((a) => a.id);
  check(onTeam.length === 1 && onTeam[0] === dana.id, "team members", onTeam);
  const teamDetails = teamRow.getByRole("form", { name: "Team details" });
  await teamDetails.getByLabel(/Assign conversations/).uncheck();
  await teamDetails.getByRole("button", { name: "Save" }).click();
  await teamDetails.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  const teamAfter = await agentApi(`/teams/${team.id}`);
  check(teamAfter.allow_auto_assign === false, "team auto-assign", teamAfter);
  await page.screenshot({ path: `${SHOTS}/dashboard-settings-teams.png`, fullPage: true });

  step("labels: create one with a colour and see its swatch; a duplicate is refused inline");
  await sections.getByRole("link", { name: "Labels" }).click();
  const labelForm = page.getByRole("form", { name: "New label" });
  await labelForm.getByLabel("Title").fill("vip");
  await labelForm.getByLabel("Description").fill("Important customers");
  await labelForm.getByLabel("Colour").fill("#e11d48");
  await labelForm.getByRole("button", { name: "Create" }).click();
  const labelRow = page.locator("li[data-label]", { hasText: "vip" });
  await labelRow.waitFor(T);
  const swatchColour = await labelRow.locator(".label-swatch").evaluate((n) => getComputedStyle(n).backgroundColor);
  check(swatchColour === "rgb(225, 29, 72)", "swatch colour", swatchColour);
  const label = (await agentApi("/labels")).payload.find((l) => l.title === "vip");
  check(label && label.color === "#e11d48" && label.description === "Important customers" && label.show_on_sidebar, "label", label);
  await labelForm.getByLabel("Title").fill("VIP");
  await labelForm.getByRole("button", { name: "Create" }).click();
  await labelForm.getByRole("alert").filter({ hasText: "already been taken" }).waitFor(T);
  check(await page.locator("li[data-label]").count() === 1, "no duplicate row", "");
  await page.screenshot({ path: `${SHOTS}/dashboard-settings-labels.png`, fullPage: true });

  step("canned responses: create two, search, edit one, delete the other; a two-word code is refused");
  await sections.getByRole("link", { name: "Canned responses" }).click();
  const cannedForm = page.getByRole("form", { name: "New canned response" });
  await cannedForm.getByLabel("Short code").fill("two words");
  await cannedForm.getByLabel("Content").fill("Nope");
  await cannedForm.getByRole("button", { name: "Create" }).click();
  await cannedForm.getByRole("alert").filter({ hasText: "one word" }).waitFor(T);
  for (const [code, content] of [["thanks", "Thank you for writing to us!"], ["refund", "Refunds take 5 days."]]) {
    await cannedForm.getByLabel("Short code").fill(code);
    await cannedForm.getByLabel("Content").fill(content);
    await cannedForm.getByRole("button", { name: "Create" }).click();
    await page.locator("li[data-canned]", { hasText: `/${code}` }).waitFor(T);
  }
  const thanksRow = page.locator("li[data-canned]", { hasText: "/thanks" });
  const refundRow = page.locator("li[data-canned]", { hasText: "/refund" });
  await page.getByLabel("Search canned responses").fill("refund");
  await thanksRow.waitFor({ state: "hidden", ...T });
  check(await refundRow.isVisible(), "search keeps the match", "");
  await refundRow.getByRole("button", { name: "Edit" }).click();
  const cannedEdit = refundRow.getByRole("form", { name: "Canned response" });
  await cannedEdit.getByLabel("Content").fill("Refunds take 3 to 5 working days.");
  await cannedEdit.getByRole("button", { name: "Save" }).click();
  await cannedEdit.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  let canned = await agentApi("/canned_responses");
  check(canned.find((c) => c.short_code === "refund")?.content === "Refunds take 3 to 5 working days.", "edited canned", canned);
  await page.getByLabel("Search canned responses").fill("");
  await thanksRow.waitFor({ state: "visible", ...T });
  await page.screenshot({ path: `${SHOTS}/dashboard-settings-canned.png`, fullPage: true });
  await thanksRow.getByRole("button", { name: "Delete" }).click();
  await thanksRow.getByRole("button", { name: "Confirm delete" }).click();
  await thanksRow.waitFor({ state: "detached", ...T });
  canned = await agentApi("/canned_responses");
  check(canned.length === 1 && canned[0].short_code === "refund", "canned after delete", canned);

  step("a bad webhook address is refused inline");
  await sections.getByRole("link", { name: "Webhooks" }).click();
  const hookForm = page.getByRole("form", { name: "New webhook" });
  await hookForm.getByLabel("URL").fill("ftp://nowhere");
  await hookForm.getByRole("button", { name: "Create" }).click();
  await hookForm.getByRole("alert").filter({ hasText: "Couldn't save" }).waitFor({ timeout: 5000 });

  step("create a webhook; a message is delivered and shows in its log; re-send queues it again");
  await hookForm.getByLabel("URL").fill(SINK);
  await hookForm.getByRole("button", { name: "Create" }).click();
  const hookRow = page.locator("li[data-webhook]", { hasText: SINK });
  await hookRow.waitFor(T);
  await agentApi(`/conversations/${CONVERSATION}/messages`, { content: "Ping the webhook", message_type: "incoming" });
  const hookId = await hookRow.getAttribute("data-webhook");
  await eventually(`/webhooks/${hookId}/deliveries`,
    (r) => r.payload.some((x) => x.event === "message_created" && x.last_status === 200), "no delivery");
  // While the log loads: skeleton rows in a busy table.
  const deliveriesUrl = (url) => /\/webhooks\/\d+\/deliveries$/.test(url.pathname);
  let releaseLog;
  const logHeld = new Promise((r) => { releaseLog = r; });
  await page.route(deliveriesUrl, async (route) => { await logHeld; await route.continue(); });
  const logButton = hookRow.getByRole("button", { name: "Delivery log" });
  await logButton.click();
  const log = hookRow.getByRole("table", { name: /^Delivery log/ });
  await log.locator("tr.skeleton").first().waitFor(T);
  check(await log.getAttribute("aria-busy") === "true", "the loading log is busy", "");
  releaseLog();
  const row = hookRow.locator("tr[data-delivery]", { hasText: "message_created" }).first();
  await row.waitFor(T);
  await page.unroute(deliveriesUrl);
  check(await log.getAttribute("aria-busy") === "false" && await log.locator("tr.skeleton").count() === 0, "the loaded log", "");
  if (!(await row.textContent()).includes("200")) throw new Error(`log row: ${await row.textContent()}`);

  step("the delivery log writes its times as the rest of the dashboard does: relative, the full date on hover");
  const deliveryId = await row.getAttribute("data-delivery");
  const delivery = (await agentApi(`/webhooks/${hookId}/deliveries`)).payload.find((d) => String(d.id) === deliveryId);
  const shownTime = await row.locator("time").evaluate((n) => ({ text: n.textContent, title: n.title, datetime: n.getAttribute("datetime") }));
  const expected = await page.evaluate(async (at) => {
    const lib = await import("/app/lib.js");
    return { text: lib.relative(at), title: lib.when(at), datetime: new Date(at * 1000).toISOString() };
  }, delivery.created_at);
  check(shownTime.text === expected.text && shownTime.title === expected.title && shownTime.datetime === expected.datetime,
    "the delivery's time", { shownTime, expected });
  await row.getByRole("button", { name: "Re-send" }).click();
  await hookRow.getByRole("status").filter({ hasText: "Queued again" }).waitFor({ timeout: 5000 });
  await page.waitForFunction(() => document.querySelectorAll("li[data-webhook] tr[data-delivery]").length >= 2, null, T);
  await page.screenshot({ path: `${SHOTS}/dashboard-settings.png`, fullPage: true });
  // The re-sent copy has reached the receiver before the webhook changes.
  await eventually(`/webhooks/${hookId}/deliveries`,
    (r) => r.payload.filter((x) => x.event === "message_created" && x.last_status === 200).length >= 2, "re-send not delivered");

  step("a delivery log that can't be loaded says so; Retry loads it");
  await logButton.click();
  await log.waitFor({ state: "detached", ...T });
  await page.route(deliveriesUrl, (route) => route.abort());
  await logButton.click();
  const logFailed = log.getByRole("alert").filter({ hasText: "Couldn't reach the server." });
  await logFailed.waitFor(T);
  await page.unroute(deliveriesUrl);
  await logFailed.getByRole("button", { name: "Retry" }).click();
  await log.locator("tr[data-delivery]").first().waitFor(T);
  check(await log.getByRole("alert").count() === 0, "the log's error goes once loaded", "");

  step("edit the webhook's name and subscriptions, then delete it");
  await hookRow.getByRole("button", { name: "Edit" }).click();
  const hookEdit = hookRow.getByRole("form", { name: "Webhook details" });
  await hookEdit.getByLabel(/Name/).fill("Sink");
  await hookEdit.getByLabel("message_updated", { exact: true }).uncheck();
  await hookEdit.getByLabel("contact_created", { exact: true }).check();
  await hookEdit.getByRole("button", { name: "Save" }).click();
  await hookEdit.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
  const hook = (await agentApi("/webhooks")).payload.webhooks.find((w) => String(w.id) === hookId);
  check(hook && hook.name === "Sink" && hook.subscriptions.includes("contact_created")
    && !hook.subscriptions.includes("message_updated") && hook.subscriptions.includes("message_created"), "edited webhook", hook);
  await hookRow.getByRole("button", { name: "Delete" }).click();
  await hookRow.getByRole("button", { name: "Confirm delete" }).click();
  await hookRow.waitFor({ state: "detached", ...T });
  const hooksLeft = (await agentApi("/webhooks")).payload.webhooks;
  check(hooksLeft.length === 0, "webhooks after delete", hooksLeft);

  step("the dark theme");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByRole("link", { name: "Conversations" }).click();
  await page.locator(`button[data-conversation="${CONVERSATION}"]`).click();
  await page.locator(".thread li.in", { hasText: "Ping the webhook" }).waitFor(T);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  if (bg !== "rgb(17, 19, 23)") throw new Error(`dark background is ${bg}`);
  // Opening it read it: no unread badge on its card.
  await page.locator(`button[data-conversation="${CONVERSATION}"] .unread-badge`).waitFor({ state: "detached", timeout: 10000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-dark.png` });

  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log(`settings script took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
