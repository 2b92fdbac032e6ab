#include "PollingWorker.h"

#include <QDeadlineTimer>

namespace streamscope {

void PollingWorker::requestStop() {
    QMutexLocker lock(&m_mutex);
    m_stop = true;
    m_wake.wakeAll();
}

void PollingWorker::pollNow() {
    QMutexLocker lock(&m_mutex);
    m_pollNow = true;
    m_wake.wakeAll();
}

bool PollingWorker::waitForNextPoll(int ms) {
    QMutexLocker lock(&m_mutex);
    if (!m_stop && !m_pollNow)
        m_wake.wait(&m_mutex, QDeadlineTimer(ms));
    m_requested = m_pollNow;
    m_pollNow = false;
    return !m_stop;
}

bool PollingWorker::waitAfterFailedConnect(const Error &error, int ms) {
    if (error.kind != Error::Kind::Tls && error.kind != Error::Kind::HostKey)
        return waitForNextPoll(ms);
    do {
        if (!waitForNextPoll(60 * 60 * 1000))
            return false;
    } while (!pollWasRequested());
    return true;
}

} // namespace streamscope
