#include "Service.h"

#include <QDateTime>
#include <QThread>

#include <csignal>
#include <cstdio>

namespace streamscope::shop {

namespace {
std::atomic<bool> stopRequested{false};
extern "C" void onStopSignal(int) {
    stopRequested.store(true);
}
} // namespace

void Seeds::learn(const RedisClient &client) {
    if (client.topology() != RedisClient::Topology::Cluster)
        return;
    const ConnectionSettings current = m_candidates.at(m_at);
    QList<ConnectionSettings> candidates{m_candidates.first()};
    for (const RedisClient::Node &node : client.nodes()) {
        const qsizetype colon = node.endpoint.lastIndexOf(QLatin1Char(':'));
        if (colon <= 0 || node.endpoint == candidates.first().endpoint())
            continue;
        ConnectionSettings s = candidates.first(); // credentials, TLS, timeouts as given
        s.host = node.endpoint.left(colon).remove(QLatin1Char('[')).remove(QLatin1Char(']'));
        s.port = quint16(node.endpoint.mid(colon + 1).toUInt());
        candidates.append(s);
    }
    m_candidates = candidates;
    m_at = 0;
    for (qsizetype i = 0; i < m_candidates.size(); ++i)
        if (m_candidates.at(i).endpoint() == current.endpoint())
            m_at = i; // stay with the one that works
}

void ServiceLog::info(const QString &message) const {
    const QByteArray line =
        QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")).toUtf8()
        + ' ' + m_name.toUtf8() + ": " + message.toUtf8() + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

const std::atomic<bool> &installStopSignals() {
    struct sigaction action = {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    return stopRequested;
}

bool sleepUnlessStopped(const std::atomic<bool> &stop, int ms) {
    for (int slept = 0; slept < ms && !stop; slept += 20)
        QThread::msleep(qMin(20, ms - slept));
    return !stop;
}

bool parsePositive(const QString &text, qint64 *out, bool allowZero) {
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok || v < 0 || (v == 0 && !allowZero))
        return false;
    *out = v;
    return true;
}

} // namespace streamscope::shop
