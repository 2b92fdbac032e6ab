#pragma once

#include <QObject>
#include <QString>
#include <QThread>

#include <memory>

namespace streamscope {

// Owns a worker and the named thread it runs on. The worker is a QObject with a run() loop
// and a thread-safe requestStop(), and emits finished() when run() returns. Stopping is
// requestStop(), quit(), wait(); then the worker is deleted here (not by deleteLater), so
// callers may use worker() until stop().
template <typename Worker> class WorkerThread {
public:
    WorkerThread(const QString &threadName, std::unique_ptr<Worker> worker)
        : m_thread(std::make_unique<QThread>())
        , m_worker(std::move(worker)) {
        m_thread->setObjectName(threadName);
        m_worker->moveToThread(m_thread.get());
        QObject::connect(m_thread.get(), &QThread::started, m_worker.get(), &Worker::run);
        // Direct: quit() is thread-safe, and the owner may be blocked in stop().
        QObject::connect(m_worker.get(), &Worker::finished, m_thread.get(), &QThread::quit,
                         Qt::DirectConnection);
    }
    ~WorkerThread() { stop(); }
    WorkerThread(const WorkerThread &) = delete;
    WorkerThread &operator=(const WorkerThread &) = delete;

    Worker *worker() const { return m_worker.get(); }
    void start() { m_thread->start(); }
    bool isRunning() const { return m_thread->isRunning(); }
    void stop() {
        if (!m_worker)
            return;
        m_worker->requestStop();
        m_thread->quit();
        m_thread->wait();
        m_worker.reset();
    }

private:
    std::unique_ptr<QThread> m_thread;
    std::unique_ptr<Worker> m_worker;
};

} // namespace streamscope
