#pragma once

#include "RedisClient.h"

#include <memory>

namespace streamscope {

// The client a caller holds before it knows the deployment: the first open() asks the server
// (openClient's probe) and from then on every call goes to the client that deployment needs,
// a RedisConnection or a ClusterClient (a SentinelClient when the settings name sentinels). The
// choice is made once; a later open() (after the connection was lost) reopens the same kind.
// Settings made before the first open (cancel flag, read-only mode, reply limit) carry over to the
// chosen client.
//
// This is what long-lived workers (the tail, the poller, the actions) keep, so that their
// reconnect loops stay as they were: if (!client.isOpen()) client.open().
class AutoClient : public RedisClient {
public:
    explicit AutoClient(ConnectionSettings settings);
    ~AutoClient() override;

    Topology topology() const override;
    Error open() override;
    void close() override;
    bool isOpen() const override;

    Result<RedisReply> command(const Command &args, int timeoutMs = -1) override;
    Result<std::vector<RedisReply>> pipeline(const QList<Command> &commands,
                                             int timeoutMs = -1) override;
    Result<RedisReply> commandEntries(const Command &args, int entriesDepth, StreamEntryList *out,
                                      int timeoutMs = -1, const QByteArray &stream = {}) override;

    QList<Node> nodes() const override;
    Result<RedisReply> commandOn(const QString &endpoint, const Command &args,
                                 int timeoutMs = -1) override;

    void setReadOnly(bool readOnly) override;
    bool isReadOnly() const override { return m_readOnly; }
    void setMaxReplyBytes(qint64 bytes) override;
    qint64 maxReplyBytes() const override { return m_maxReplyBytes; }
    void setCancelFlag(const std::atomic<bool> *flag) override;

    const ConnectionSettings &settings() const override { return m_settings; }
    qint64 bytesReceived() const override;
    qint64 commandsSent() const override;

    // The client chosen by the first successful open(), null before.
    RedisClient *chosen() const { return m_client.get(); }

private:
    Error notOpen() const;

    ConnectionSettings m_settings;
    std::unique_ptr<RedisClient> m_client;
    const std::atomic<bool> *m_cancel = nullptr;
    bool m_readOnly = false;
    qint64 m_maxReplyBytes = 0;
};

} // namespace streamscope
