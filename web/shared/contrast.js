// The text colour for a brand colour: white where it reaches WCAG's 4.5:1
// against the colour, otherwise whichever of white and near-black contrasts
// more. Shared by the website widget (its header, launcher and the visitor's
// bubbles) and the dashboard's preview of it, so both show the same thing.
// Accepts #rgb and #rrggbb; anything else counts as the default blue.
function readableTextOn(colour) {
  const DARK = "#111827";
  const LIGHT = "#ffffff";
  let hex = String(colour || "").trim().replace(/^#/, "");
  if (/^[0-9a-f]{3}$/i.test(hex)) hex = hex.split("").map((c) => c + c).join("");
  if (!/^[0-9a-f]{6}$/i.test(hex)) hex = "1f93ff";
  const luminance = (h) => {
    const channel = (i) => {
      const c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  };
  const l = luminance(hex);
  const onWhite = 1.05 / (l + 0.05);
  const onDark = (l + 0.05) / (luminance(DARK.slice(1)) + 0.05);
  if (onWhite >= 4.5) return LIGHT;
  return onWhite >= onDark ? LIGHT : DARK;
}
