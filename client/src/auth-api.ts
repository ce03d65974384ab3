// server/test imports the client from its old paths; these re-exports go once it follows the move to model/.
export { memberOf } from './model/auth-api.js';
