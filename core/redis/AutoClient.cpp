#include "AutoClient.h"

#include "ClusterClient.h"
#include "RedisConnection.h"

namespace streamscope {

AutoClient::AutoClient(ConnectionSettings settings)
    : m_settings(std::move(settings))
    , m_readOnly(m_settings.fixedReadOnly())
    , m_maxReplyBytes(m_settings.maxReplyBytes) {}

AutoClient::~AutoClient() = default;

RedisClient::Topology AutoClient::topology() const {
    if (m_client)
        return m_client->topology();
    return m_settings.viaSentinel() ? Topology::Sentinel : Topology::Standalone;
}

Error AutoClient::open() {
    if (m_client) {
        if (m_client->isOpen())
            return {};
        return m_client->open();
    }
    ConnectionSettings settings = m_settings;
    settings.readOnly = m_readOnly;
    settings.maxReplyBytes = m_maxReplyBytes;
    auto client = openClient(settings, m_cancel);
    if (!client.ok())
        return client.error();
    m_client = std::move(client).value();
    return {};
}

void AutoClient::close() {
    if (m_client)
        m_client->close();
}

bool AutoClient::isOpen() const {
    return m_client && m_client->isOpen();
}

Error AutoClient::notOpen() const {
    return Error(Error::Kind::Connect,
                 QStringLiteral("not connected to %1").arg(m_settings.endpoint()));
}

Result<RedisReply> AutoClient::command(const Command &args, int timeoutMs) {
    if (!m_client)
        return notOpen();
    return m_client->command(args, timeoutMs);
}

Result<std::vector<RedisReply>> AutoClient::pipeline(const QList<Command> &commands,
                                                     int timeoutMs) {
    if (!m_client)
        return notOpen();
    return m_client->pipeline(commands, timeoutMs);
}

Result<RedisReply> AutoClient::commandEntries(const Command &args, int entriesDepth,
                                              StreamEntryList *out, int timeoutMs,
                                              const QByteArray &stream) {
    if (!m_client)
        return notOpen();
    return m_client->commandEntries(args, entriesDepth, out, timeoutMs, stream);
}

QList<RedisClient::Node> AutoClient::nodes() const {
    if (m_client)
        return m_client->nodes();
    Node self;
    self.endpoint = m_settings.endpoint();
    self.slotRanges = {{0, 16383}};
    self.reachable = false;
    return {self};
}

Result<RedisReply> AutoClient::commandOn(const QString &endpoint, const Command &args,
                                         int timeoutMs) {
    if (!m_client)
        return notOpen();
    return m_client->commandOn(endpoint, args, timeoutMs);
}

void AutoClient::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    if (m_client)
        m_client->setReadOnly(readOnly);
}

void AutoClient::setMaxReplyBytes(qint64 bytes) {
    m_maxReplyBytes = bytes;
    if (m_client)
        m_client->setMaxReplyBytes(bytes);
}

void AutoClient::setCancelFlag(const std::atomic<bool> *flag) {
    m_cancel = flag;
    if (m_client)
        m_client->setCancelFlag(flag);
}

qint64 AutoClient::bytesReceived() const {
    return m_client ? m_client->bytesReceived() : 0;
}

qint64 AutoClient::commandsSent() const {
    return m_client ? m_client->commandsSent() : 0;
}

} // namespace streamscope
