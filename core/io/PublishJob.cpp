#include "PublishJob.h"

#include "AutoClient.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QThread>

#include <cmath>

namespace streamscope {

namespace {
constexpr int maxSlice = 500; // entries per pipeline
constexpr int progressEveryMs = 100;
} // namespace

PublishJob::PublishJob(ConnectionSettings settings, PublishRequest request, qint64 count,
                       double ratePerSecond)
    : m_settings(std::move(settings))
    , m_request(std::move(request))
    , m_count(count)
    , m_rate(ratePerSecond) {
    qRegisterMetaType<Outcome>();
}

void PublishJob::run() {
    const Outcome outcome = send();
    Q_EMIT done(outcome);
    Q_EMIT finished();
}

PublishJob::Outcome PublishJob::send() {
    Outcome out;
    out.requested = m_count;
    out.problems = validate(m_request);
    if (m_count < 1)
        out.problems.append(
            {PublishProblem::Where::Fields, -1, QStringLiteral("Send at least one entry.")});
    if (!out.problems.isEmpty()) {
        out.rejected = true;
        return out;
    }
    AutoClient connection(m_settings);
    if (Error e = connection.open()) {
        out.error = e.message;
        return out;
    }
    if (auto problem = checkIdAgainstStream(connection, m_request)) {
        out.rejected = true;
        out.problems.append(*problem);
        return out;
    }
    // An explicit ID is used for the first entry; the repeats let the server choose ("*").
    Placeholders placeholders;
    QElapsedTimer clock;
    clock.start();
    qint64 lastProgressMs = -progressEveryMs;
    while (out.sent < m_count) {
        if (m_stop) {
            out.stopped = true;
            break;
        }
        qint64 due = m_count - out.sent;
        if (m_rate > 0) {
            const qint64 allowed = std::min<qint64>(
                m_count, qint64(std::floor(m_rate * clock.elapsed() / 1000.0)) + 1);
            due = allowed - out.sent;
            if (due <= 0) {
                const qint64 waitMs =
                    qint64(std::ceil((out.sent / m_rate) * 1000.0)) - clock.elapsed();
                QThread::msleep(ulong(std::clamp<qint64>(waitMs, 1, 50)));
                continue;
            }
        }
        due = std::min<qint64>(due, maxSlice);
        QList<Command> slice;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (qint64 i = 0; i < due; ++i) {
            PublishRequest r = m_request;
            if (out.sent + i > 0 && !r.id.trimmed().isEmpty() && r.id.trimmed() != "*")
                r.id = "*";
            slice.append(xaddCommand(r, placeholders, out.sent + i + 1, now));
        }
        auto replies = connection.pipeline(slice);
        if (!replies.ok()) {
            out.error = replies.error().message;
            break;
        }
        // Every reply counts: after an error the rest of the slice was still run.
        for (const RedisReply &reply : replies.value()) {
            if (!reply.isError()) {
                out.lastId = reply.bytes();
                ++out.sent;
            } else if (out.error.isEmpty()) {
                out.error = describePublishError(reply);
            }
        }
        if (!out.error.isEmpty())
            break;
        if (clock.elapsed() - lastProgressMs >= progressEveryMs || out.sent == m_count) {
            lastProgressMs = clock.elapsed();
            Q_EMIT progress(out.sent, m_count, out.lastId);
        }
    }
    if (!out.error.isEmpty() && out.sent > 0)
        out.error =
            QStringLiteral("%1 of %2 sent, then: %3").arg(out.sent).arg(m_count).arg(out.error);
    return out;
}

} // namespace streamscope
