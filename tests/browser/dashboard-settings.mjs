// Settings in headless Chromium, driven by clicks and checked through the API:
// inboxes (website inbox with its snippet and Copy, an API inbox, editing the
// greeting / identity verification / working hours, members), agents (create,
// promote, remove; not oneself), teams with members, labels with a colour
// swatch, canned responses (create, search, edit, delete), webhooks (delivery
// log, re-send, edit subscriptions, delete) and inline errors for wrong input.
// Also saves the dark-theme screenshot.
import { accountApi, env, launch, signIn, step } from "./launch.mjs";

const BASE = env("BASE"), EMAIL = env("EMAIL"), PASSWORD = env("PASSWORD"), SHOTS = env("SHOTS");
const TOKEN = env("TOKEN"), ACCOUNT = env("ACCOUNT"), CONVERSATION = env("CONVERSATION"), SINK = env("SINK");
const OTHER_EMAIL = env("OTHER_EMAIL"), OTHER_PASSWORD = env("OTHER_PASSWORD");

// GET (and POST with a body) on the account's API with the admin's token.
const agentApi = accountApi(BASE, ACCOUNT, TOKEN);

function check(ok, what, value) {
  if (!ok) throw new Error(`${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
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

  step("create a website inbox and copy its snippet");
  const inboxForm = page.getByRole("form", { name: "New website inbox" });
  await inboxForm.getByLabel("Name").fill("Docs site");
  await inboxForm.getByLabel("Website URL").fill("https://docs.example");
  await inboxForm.getByLabel("Welcome title").fill("Hi there");
  await inboxForm.getByLabel(/Allowed domains/).fill("docs.example");
  await inboxForm.getByRole("button", { name: "Create" }).click();
  const snippet = inboxForm.locator(".created pre");
  await snippet.waitFor(T);
  const script = await snippet.textContent();
  if (!script.includes(`${BASE}/widget.js`) || !/data-website-token="[^"]+"/.test(script)) throw new Error(`snippet: ${script}`);
  await inboxForm.locator(".created").getByRole("button", { name: "Copy" }).click();
  await inboxForm.locator(".created").getByRole("status").filter({ hasText: "Copied" }).waitFor({ timeout: 5000 });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  if (copied !== script) throw new Error(`clipboard holds ${copied}`);
  const inboxes = (await agentApi("/inboxes")).payload;
  const made = inboxes.find((i) => i.name === "Docs site");
  if (!made || made.welcome_title !== "Hi there" || made.channel_type !== "Channel::WebWidget") throw new Error(`inbox: ${JSON.stringify(made)}`);

  step("an API inbox: an empty name is refused inline, then it is created with its webhook URL");
  const apiForm = page.getByRole("form", { name: "New API inbox" });
  await apiForm.getByRole("button", { name: "Create" }).click();
  await apiForm.getByRole("alert").filter({ hasText: "can't be blank" }).waitFor(T);
  check(await apiForm.getByLabel("Name").getAttribute("aria-invalid") === "true", "name marked invalid", "");
  await apiForm.getByLabel("Name").fill("Orders API");
  await apiForm.getByLabel(/Webhook URL/).fill("https://orders.example/hook");
  await apiForm.getByRole("button", { name: "Create" }).click();
  await page.locator("li[data-inbox]", { hasText: "Orders API" }).waitFor(T);
  check(await apiForm.locator("[role=alert]").textContent() === "", "alert cleared", "");
  const shownIdentifier = await apiForm.locator(".created input.secret").inputValue();
  const apiInbox = (await agentApi("/inboxes")).payload.find((i) => i.name === "Orders API");
  check(apiInbox && apiInbox.channel_type === "Channel::Api" && apiInbox.webhook_url === "https://orders.example/hook"
    && apiInbox.inbox_identifier === shownIdentifier, "API inbox", apiInbox);

  step("a Telegram inbox: a malformed token is refused inline; a good one is checked with Telegram and connected");
  const tgForm = page.getByRole("form", { name: "New Telegram inbox" });
  await tgForm.getByLabel("Name").fill("Telegram");
  await tgForm.getByLabel("Bot token").fill("not-a-token");
  await tgForm.getByRole("button", { name: "Create" }).click();
  await tgForm.getByRole("alert").filter({ hasText: "not a Telegram bot token" }).waitFor(T);
  await tgForm.getByLabel("Bot token").fill(env("TG_TOKEN"));
  await tgForm.getByRole("button", { name: "Create" }).click();
  await tgForm.locator(".created", { hasText: "connected to Acme Support (@acme_support_bot)" }).waitFor(T);
  await page.locator("li[data-inbox]", { hasText: "Telegram" }).waitFor(T);
  const tgInbox = (await agentApi("/inboxes")).payload.find((i) => i.channel_type === "Channel::Telegram");
  check(tgInbox && tgInbox.name === "Telegram" && tgInbox.bot_name === "Acme Support", "Telegram inbox", tgInbox);

  step("a WhatsApp inbox: the credentials are checked by syncing templates; the callback URL and verify token are shown");
  const waForm = page.getByRole("form", { name: "New WhatsApp inbox" });
  await waForm.getByLabel("Name").fill("WhatsApp");
  await waForm.getByLabel("Phone number", { exact: true }).fill("+15550783881");
  await waForm.getByLabel("Phone number ID").fill("106540352242922");
  await waForm.getByLabel("WhatsApp Business Account ID").fill("102290129340398");
  await waForm.getByLabel("Access token").fill("EAAG-browser-token");
  await waForm.getByLabel("App secret").fill("browser-app-secret");
  await waForm.getByRole("button", { name: "Create" }).click();
  await waForm.locator(".created", { hasText: "Message templates synced: 3" }).waitFor(T);
  const callback = await waForm.locator(".created input.secret.callback").inputValue();
  check(callback === `${BASE}/webhooks/whatsapp/15550783881`, "callback URL", callback);
  const verify = await waForm.locator(".created input.secret.verify").inputValue();
  const handshake = await fetch(`${callback}?hub.mode=subscribe&hub.verify_token=${verify}&hub.challenge=42`);
  check(handshake.status === 200 && (await handshake.text()) === "42", "the shown verify token answers Meta's handshake", handshake.status);

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

  step("edit the website inbox: greeting, identity verification, reply time, widget options, working hours");
  const docsRow = page.locator("li[data-inbox]", { hasText: "Docs site" });
  await docsRow.getByRole("button", { name: "Edit" }).click();
  const inboxSettings = docsRow.getByRole("form", { name: "Inbox settings" });
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
    && saturday.close_hour === 14 && saturday.close_minutes === 30 && hmacToken && edited.hmac_token === hmacToken,
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

  step("agents: no role change or removal for oneself; a bad e-mail is refused inline");
  await sections.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("heading", { name: "Agents", level: 2 }).waitFor(T);
  const meRow = page.locator("tr[data-agent]", { hasText: "alice@acme.test" });
  await meRow.waitFor(T);
  check(await meRow.locator("select").count() === 0 && await meRow.getByRole("button").count() === 0, "own row is read-only", "");
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
  await hookRow.getByRole("button", { name: "Delivery log" }).click();
  const row = hookRow.locator("tr[data-delivery]", { hasText: "message_created" }).first();
  await row.waitFor(T);
  if (!(await row.textContent()).includes("200")) throw new Error(`log row: ${await row.textContent()}`);
  await row.getByRole("button", { name: "Re-send" }).click();
  await hookRow.getByRole("status").filter({ hasText: "Queued again" }).waitFor({ timeout: 5000 });
  await page.waitForFunction(() => document.querySelectorAll("li[data-webhook] tr[data-delivery]").length >= 2, null, T);
  await page.screenshot({ path: `${SHOTS}/dashboard-settings.png`, fullPage: true });
  // The re-sent copy has reached the receiver before the webhook changes.
  await eventually(`/webhooks/${hookId}/deliveries`,
    (r) => r.payload.filter((x) => x.event === "message_created" && x.last_status === 200).length >= 2, "re-send not delivered");

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
