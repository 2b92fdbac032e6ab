#pragma once

#include "ConnectionSettings.h"
#include "Error.h"
#include "PollingWorker.h"
#include "StreamInfo.h"
#include "WorkerThread.h"

#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QWaitCondition>

#include <atomic>

namespace streamscope {

struct ServerInfo {
    QString version; // "7.0.15"
    QString mode;    // "standalone", "cluster", "sentinel"
    // 7.0.15 -> 70015, for "is this field there" decisions.
    int versionNumber() const;
    static ServerInfo fromInfo(const QByteArray &infoServerSection);
};

// Polls the server off the GUI thread, on its own connection: the stream list (SCAN ... TYPE
// stream, bounded, then pipelined XINFO STREAM) and INFO server. Never KEYS, never FULL.
class ServerPoller : public PollingWorker {
    Q_OBJECT
public:
    struct Options {
        int intervalMs = 2000;
        QByteArray pattern = "*";
        int maxStreams = 1000;
    };
    ServerPoller(ConnectionSettings settings, Options options);

    Q_SLOT void run();

Q_SIGNALS:
    void serverInfo(const streamscope::ServerInfo &info);
    void streamsListed(const streamscope::StreamInfoList &streams, bool truncated);
    void pollFailed(const streamscope::Error &error);

private:
    ConnectionSettings m_settings;
    Options m_options;
};

// The poller on its own thread, "streamscope-poll".
class PollerController : public WorkerThread<ServerPoller> {
public:
    PollerController(ConnectionSettings settings, ServerPoller::Options options)
        : WorkerThread(QStringLiteral("streamscope-poll"),
                       std::make_unique<ServerPoller>(std::move(settings), std::move(options))) {}
    ServerPoller *poller() const { return worker(); }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::ServerInfo)
