// The relay page: the confirmation link is selected when tapped, and 复制链接 copies it for WeChat or SMS.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("confirm-link");
  const button = document.getElementById("copy-link");
  if (!field) return;
  field.addEventListener("focus", () => field.select());
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "已复制";
    } catch (error) {
      document.execCommand("copy");
      button.textContent = "已复制";
    }
  });
});
