#pragma once

#include "ConnectionSettings.h"
#include "Publish.h"
#include "WorkerThread.h"

#include <QObject>

#include <atomic>

namespace streamscope {

// Sends one publish request count times at ratePerSecond (0: as fast as the server takes
// them), pipelined in slices, on its own connection and thread. Checks everything it can
// before the first byte (validate(), then the explicit ID against the stream); stops at the
// first server error and says how many were sent before it.
class PublishJob : public QObject {
    Q_OBJECT
public:
    struct Outcome {
        qint64 sent = 0;
        qint64 requested = 0;
        QByteArray lastId;
        QString error; // empty: all sent (or stopped by request)
        bool stopped = false;
        bool rejected = false; // nothing was sent: a problem with the input (problems)
        PublishProblems problems;
    };

    PublishJob(ConnectionSettings settings, PublishRequest request, qint64 count,
               double ratePerSecond);
    void requestStop() { m_stop = true; }
    Q_SLOT void run();

Q_SIGNALS:
    void progress(qint64 sent, qint64 requested, const QByteArray &lastId);
    void done(const streamscope::PublishJob::Outcome &outcome);
    void finished();

private:
    Outcome send();
    ConnectionSettings m_settings;
    PublishRequest m_request;
    qint64 m_count;
    double m_rate;
    std::atomic<bool> m_stop{false};
};

class PublishThread : public WorkerThread<PublishJob> {
public:
    PublishThread(ConnectionSettings settings, PublishRequest request, qint64 count, double rate)
        : WorkerThread(
            QStringLiteral("streamscope-publish"),
            std::make_unique<PublishJob>(std::move(settings), std::move(request), count, rate)) {}
    PublishJob *job() const { return worker(); }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::PublishJob::Outcome)
