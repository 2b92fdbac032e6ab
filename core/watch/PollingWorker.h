#pragma once

#include "Error.h"

#include <QMutex>
#include <QObject>
#include <QWaitCondition>

#include <atomic>

namespace streamscope {

// A worker whose run() loop polls, then waits. The wait ends early when the owner asks it to
// stop or to poll now (both thread-safe). Made to run in a WorkerThread.
class PollingWorker : public QObject {
    Q_OBJECT
public:
    void requestStop();
    void pollNow();

Q_SIGNALS:
    void finished();

protected:
    // Waits up to ms; false when asked to stop.
    bool waitForNextPoll(int ms);
    // After a failed connect: waits ms before the next try, or, for a certificate or host key
    // we cannot accept (final: it fails the same way every time), until the owner asks for a
    // poll (F5). False when asked to stop.
    bool waitAfterFailedConnect(const Error &error, int ms);
    // The last wait ended because the owner asked for a poll now (F5).
    bool pollWasRequested() const { return m_requested; }
    const std::atomic<bool> &stopFlag() const { return m_stop; }

    QMutex m_mutex; // also guards what subclasses share with other threads

private:
    QWaitCondition m_wake;
    bool m_pollNow = false;
    bool m_requested = false; // worker thread only
    std::atomic<bool> m_stop{false};
};

} // namespace streamscope
