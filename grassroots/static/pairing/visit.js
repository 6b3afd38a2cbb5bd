// The visit form's "使用我的位置": fills latitude and longitude from the phone's position (navigator.geolocation).
// Nothing is sent anywhere but the form itself.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-locate]");
  if (!button) return;
  const status = document.querySelector("[data-locate-status]");
  const say = (text) => { if (status) status.textContent = text; };
  if (!("geolocation" in navigator)) { button.hidden = true; return; }
  button.addEventListener("click", () => {
    say("正在定位…");
    navigator.geolocation.getCurrentPosition((position) => {
      const lat = document.querySelector("input[name=latitude]");
      const lng = document.querySelector("input[name=longitude]");
      if (lat) lat.value = position.coords.latitude.toFixed(6);
      if (lng) lng.value = position.coords.longitude.toFixed(6);
      const details = lat && lat.closest("details");
      if (details) details.open = true;
      say("已填入位置");
    }, () => say("无法获取位置，请检查定位权限或手动填写地点"), {enableHighAccuracy: true, timeout: 15000});
  });
});
