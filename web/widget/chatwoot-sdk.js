// Chatwoot's website SDK, answered by the Switchboard widget. Served at
// /packs/js/sdk.js right after widget.js, so a site that keeps Chatwoot's
// snippet and points its BASE_URL here gets a working chat:
//   window.chatwootSDK.run({ websiteToken, baseUrl })
// reads window.chatwootSettings, sets window.$chatwoot (Chatwoot's methods and
// properties) and raises Chatwoot's window events: chatwoot:ready,
// chatwoot:on-message, chatwoot:on-start-conversation, chatwoot:opened,
// chatwoot:closed, chatwoot:on-unread-message-count-changed, chatwoot:error.
// Methods called before chatwoot:ready wait for the widget, then run in order.
(() => {
  "use strict";
  const fire = (name, detail) => window.dispatchEvent(new CustomEvent(`chatwoot:${name}`, { detail: detail === undefined ? null : detail }));

  // What Chatwoot's setUser accepts besides the identifier; the profile
  // fields go into the contact's additional attributes.
  const PROFILE = ["description", "country_code", "city", "company_name", "social_profiles"];
  const userBody = (identifier, user) => {
    const body = { identifier: String(identifier) };
    for (const k of ["email", "name", "avatar_url", "phone_number", "identifier_hash", "custom_attributes"]) {
      if (user[k] !== undefined && user[k] !== null) body[k] = user[k];
    }
    const extra = {};
    for (const k of PROFILE) if (user[k] !== undefined && user[k] !== null) extra[k] = user[k];
    if (Object.keys(extra).length) body.additional_attributes = extra;
    return body;
  };
  const nonEmpty = (o) => o && typeof o === "object" && Object.keys(o).length > 0;

  function run({ websiteToken, baseUrl } = {}) {
    if (window.$chatwoot) return;
    const mount = window.SwitchboardWidget && window.SwitchboardWidget.mount;
    if (!mount || !websiteToken) {
      fire("error", { message: "chatwootSDK.run needs a websiteToken" });
      return;
    }
    const settings = window.chatwootSettings || {};
    const base = new URL(baseUrl || "/", location.href).origin;
    const locale = settings.useBrowserLanguage ? navigator.language.replace("-", "_") : settings.locale;
    const darkMode = ["dark", "auto"].includes(settings.darkMode) ? settings.darkMode : "light";
    let announced = false;

    // A call made through $chatwoot: its failure becomes chatwoot:error.
    const call = (p) => {
      Promise.resolve(p).catch((e) => fire("error", { message: e.message, status: e.status }));
    };

    const cw = {
      baseUrl,
      websiteToken,
      hasLoaded: false,
      isOpen: false,
      position: settings.position === "left" ? "left" : "right",
      locale,
      useBrowserLanguage: Boolean(settings.useBrowserLanguage),
      type: settings.type === "expanded_bubble" ? "expanded_bubble" : "standard",
      launcherTitle: settings.launcherTitle || "",
      hideMessageBubble: Boolean(settings.hideMessageBubble),
      showPopoutButton: Boolean(settings.showPopoutButton),
      showUnreadMessagesDialog: settings.showUnreadMessagesDialog !== false,
      darkMode,
      widgetStyle: "standard",
      resetTriggered: false,
      unreadMessageCount: 0,

      // "open", "close", or nothing to switch.
      toggle(state) {
        call(widget.toggle(state === "open" ? true : state === "close" ? false : undefined));
      },
      toggleBubbleVisibility(visibility) {
        if (visibility !== "show" && visibility !== "hide") return;
        cw.hideMessageBubble = visibility === "hide";
        widget.setBubbleVisible(!cw.hideMessageBubble);
      },
      popoutChatWindow() {
        widget.popout();
      },
      setUser(identifier, user) {
        if (typeof identifier !== "string" && typeof identifier !== "number") {
          throw new Error("Identifier should be a string or a number");
        }
        if (!user || !["avatar_url", "email", "name"].some((k) => k in user)) {
          throw new Error("User object should have one of the keys [avatar_url, email, name]");
        }
        cw.identifier = identifier;
        cw.user = user;
        call(widget.setUser(identifier, userBody(identifier, user)));
      },
      setCustomAttributes(customAttributes = {}) {
        if (!nonEmpty(customAttributes)) throw new Error("Custom attributes should have atleast one key");
        call(widget.setCustomAttributes(customAttributes));
      },
      deleteCustomAttribute(customAttribute = "") {
        if (!customAttribute) throw new Error("Custom attribute is required");
        call(widget.deleteCustomAttribute(String(customAttribute)));
      },
      setConversationCustomAttributes(customAttributes = {}) {
        if (!nonEmpty(customAttributes)) throw new Error("Custom attributes should have atleast one key");
        call(widget.setConversationCustomAttributes(customAttributes));
      },
      deleteConversationCustomAttribute(customAttribute = "") {
        if (!customAttribute) throw new Error("Custom attribute is required");
        call(widget.deleteConversationCustomAttribute(String(customAttribute)));
      },
      setLabel(label = "") {
        if (label) call(widget.setLabel(String(label)));
      },
      removeLabel(label = "") {
        if (label) call(widget.removeLabel(String(label)));
      },
      setLocale(localeToBeUsed = "en") {
        cw.locale = localeToBeUsed;
        widget.setLocale(localeToBeUsed);
      },
      setColorScheme(scheme = "light") {
        cw.darkMode = ["dark", "auto"].includes(scheme) ? scheme : "light";
        widget.setColorScheme(cw.darkMode);
      },
      // Forgets the visitor: the next message starts a new contact.
      reset() {
        if (cw.isOpen) widget.toggle(false);
        cw.identifier = undefined;
        cw.user = undefined;
        cw.hasLoaded = false;
        cw.resetTriggered = true;
        announced = false;
        widget.reset(false);
      },
    };
    window.$chatwoot = cw;

    const widget = mount({
      websiteToken,
      base,
      position: cw.position,
      locale,
      type: cw.type,
      launcherTitle: cw.launcherTitle,
      hideMessageBubble: cw.hideMessageBubble,
      darkMode,
      showPopoutButton: cw.showPopoutButton,
      showUnreadMessagesDialog: cw.showUnreadMessagesDialog,
      on: {
        ready: () => {
          cw.hasLoaded = true;
          if (!announced) {
            announced = true;
            fire("ready");
          }
        },
        error: (e) => fire("error", e),
        message: (m) => fire("on-message", m),
        start: (d) => fire("on-start-conversation", d),
        opened: () => {
          cw.isOpen = true;
          fire("opened");
        },
        closed: () => {
          cw.isOpen = false;
          fire("closed");
        },
        unread: (n) => {
          cw.unreadMessageCount = n;
          fire("on-unread-message-count-changed", { unreadMessageCount: n });
        },
      },
    });
  }

  if (!window.chatwootSDK) window.chatwootSDK = { run };
})();
