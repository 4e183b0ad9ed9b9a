// Stops the throwaway PostgreSQL / Redis global-setup.js started (none when the machine runs its own).
module.exports = async () => {
  globalThis.__stopThrowawayServices?.();
};
