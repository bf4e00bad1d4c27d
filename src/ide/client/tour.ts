/** The document a first visit opens with: a short tour of the tasks an admin does here. */
export const TOUR_DOCUMENT = `# Welcome to grantql.
#
# A short tour. Put the cursor inside an operation and press Ctrl/Cmd-Enter, or press ▶
# and pick the operation by name.
# Ready-to-run documents for every admin and security task: docs/operations/ in the repository.
#
# 1. Sign up (a new workspace and its first ADMIN) or sign in. Copy the "token" (gqs_…) into
#    the Headers tab below:  {"Authorization": "Bearer gqs_…"}

mutation SignUp {
  signUp(input: { workspaceName: "Acme", email: "admin@example.com", password: "choose a long passphrase" }) {
    token
    expiresAt
    member { id email role }
    workspace { id name }
  }
}

mutation SignIn {
  signIn(email: "admin@example.com", password: "choose a long passphrase") {
    token
    expiresAt
  }
}

# 2. Create an API key. Its secret (gqk_…) is shown exactly once: store it now.

mutation CreateKey {
  createApiKey(input: {
    name: "Reporting"
    permissions: [{ resource: CALLS, read: true }, { resource: ANALYTICS, read: true }]
  }) {
    secret
    apiKey { id prefix status permissions { resource read write } expiresAt }
  }
}

# 2b. A key for a partner, with what it may spend: a cost budget (a bucket of points refilled
#     every second; each request takes its cost and gets back what it did not use) and credits
#     (requests it may make, set to 10,000 on the 1st of each month). A request made with such a
#     key answers, beside its data, Shopify's figures:
#     "extensions": { "cost": { "requestedQueryCost": 301, "actualQueryCost": 10,
#       "throttleStatus": { "maximumAvailable": 1000, "currentlyAvailable": 990, "restoreRate": 50 } } }

mutation CreatePartnerKey {
  createApiKey(input: {
    name: "Partner"
    permissions: [{ resource: CALLS, read: true }]
    costBudget: { maximum: 1000, restorePerSecond: 50 }
    credits: { remaining: 10000, refill: { amount: 10000, interval: MONTHLY, dayOfMonth: 1 } }
  }) {
    secret
    apiKey { id costBudget { maximum restorePerSecond currentlyAvailable } credits { remaining refill { amount interval dayOfMonth } } }
  }
}

# 3. The live keys, newest first, with their usage.

query ActiveKeys {
  apiKeys(status: [ACTIVE]) {
    totalCount
    nodes { id name prefix lastUsedAt usage { last24h last7d last30d } }
  }
}

# 4. Watch usage live (as ADMIN or SECURITY). GraphiQL runs one operation at a time: running
#    anything else in this window ends the subscription. To watch while you work, open the key
#    console at /console on this server (live counters and requests per key), or run this in
#    a second browser window and call the API from a terminal or another client. Leave $id
#    empty for every key of the workspace, or set {"id": "<key id>"} in Variables.

subscription KeyUsage($id: ID) {
  apiKeyUsage(apiKeyId: $id) {
    apiKey { id name prefix }
    usage { last24h last7d last30d }
    lastUsedAt
  }
}

# 5. Watch security alerts live (as ADMIN or SECURITY): a key about to expire or expired, a key
#    reported leaked (and already revoked), a usage spike, a key used from a new address, a
#    burst of refused requests. Each arrives once, however many servers run.

subscription SecurityAlerts {
  securityAlerts {
    kind
    occurredAt
    message
    details
    apiKey { id name prefix status }
  }
}
`;

/** Headers a first visit starts with; grantql treats a bare "Bearer " as no credential. */
export const DEFAULT_HEADERS = `{"Authorization": "Bearer "}`;
