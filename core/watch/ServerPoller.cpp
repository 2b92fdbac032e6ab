#include "ServerPoller.h"

#include "RedisConnection.h"

#include <QThread>
#include <QVersionNumber>

namespace streamscope {

int ServerInfo::versionNumber() const {
    const QVersionNumber v = QVersionNumber::fromString(version);
    return v.majorVersion() * 10000 + v.minorVersion() * 100 + v.microVersion();
}

ServerInfo ServerInfo::fromInfo(const QByteArray &section) {
    ServerInfo info;
    for (const QByteArray &line : section.split('\n')) {
        const QByteArray l = line.trimmed();
        if (l.startsWith("redis_version:"))
            info.version = QString::fromUtf8(l.mid(14));
        else if (l.startsWith("redis_mode:"))
            info.mode = QString::fromUtf8(l.mid(11));
    }
    return info;
}

ServerPoller::ServerPoller(ConnectionSettings settings, Options options)
    : m_settings(std::move(settings))
    , m_options(std::move(options)) {
    qRegisterMetaType<ServerInfo>();
    m_settings.clientName = QStringLiteral("streamscope-poll");
}

void ServerPoller::run() {
    RedisConnection connection(m_settings);
    connection.setCancelFlag(&stopFlag());
    bool infoSent = false;
    while (!stopFlag()) {
        if (!connection.isOpen()) {
            infoSent = false;
            if (Error e = connection.open()) {
                if (!stopFlag())
                    Q_EMIT pollFailed(e);
                if (!waitForNextPoll(m_options.intervalMs))
                    break;
                continue;
            }
        }
        if (!infoSent) {
            auto info = connection.command({"INFO", "server"});
            if (info.ok() && !info->isError()) {
                Q_EMIT serverInfo(ServerInfo::fromInfo(info->bytes()));
                infoSent = true;
            }
        }
        auto listing = listStreams(connection, m_options.pattern, m_options.maxStreams);
        if (listing.ok())
            Q_EMIT streamsListed(listing->streams, listing->truncated);
        else if (!stopFlag())
            Q_EMIT pollFailed(listing.error());
        if (!waitForNextPoll(m_options.intervalMs))
            break;
    }
    Q_EMIT finished();
}

} // namespace streamscope
