// Signs in with a user and password, or an API key, and goes where the visitor was headed.
const error = document.getElementById('error');
const next = () => {
  const wanted = new URLSearchParams(location.search).get('next') ?? '';
  // Only a path of this console: never another origin.
  return /^\/app(\/[a-z]+)?(\?[^#]*)?$/.test(wanted) ? wanted : '/app/management';
};

async function signIn(body) {
  error.hidden = true;
  const res = await fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.ok) {
    location.assign(next());
    return;
  }
  const answer = await res.json().catch(() => ({}));
  error.textContent = answer.message ?? `sign-in failed (${res.status})`;
  error.hidden = false;
}

document.getElementById('password-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void signIn({ username: document.getElementById('username').value.trim(), password: document.getElementById('password').value });
});
document.getElementById('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void signIn({ apiKey: document.getElementById('api-key').value.trim() });
});
