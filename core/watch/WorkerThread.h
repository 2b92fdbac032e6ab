#pragma once

#include <QCoreApplication>
#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <memory>

namespace streamscope {

// Owns a worker and the named thread it runs on. The worker is a QObject with a run() loop
// and a thread-safe requestStop(), and emits finished() when run() returns. Stopping is
// requestStop(), quit(), wait(); then the worker is deleted here (not by deleteLater), so
// callers may use worker() until stop(). The GUI, which must never wait on the network, calls
// stopInBackground() instead.
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

    // Stops without waiting: the worker may be inside a command to a server that does not
    // answer. Its signals are disconnected at once (nothing it says reaches the owner any more);
    // it finishes in the background, then it and its thread are deleted. Needs a running
    // QCoreApplication.
    void stopInBackground() {
        if (!m_worker)
            return;
        QObject::disconnect(m_worker.get(), nullptr, nullptr, nullptr);
        m_worker->requestStop();
        QThread *thread = m_thread.release();
        Worker *worker = m_worker.release();
        // Whoever sees the end first cleans up: the thread's finished(), or this call when the
        // thread had already ended (or never started).
        auto claimed = std::make_shared<std::atomic<bool>>(false);
        auto cleanUp = [thread, worker] {
            delete worker;
            if (!QCoreApplication::instance())
                return; // the application has gone: so will the process
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [thread] {
                    thread->wait(); // it has emitted finished(): returns at once
                    delete thread;
                },
                Qt::QueuedConnection);
        };
        QObject::connect(
            thread, &QThread::finished, thread,
            [claimed, cleanUp] {
                if (!claimed->exchange(true))
                    cleanUp();
            },
            Qt::DirectConnection);
        thread->quit();
        if ((thread->isFinished() || !thread->isRunning()) && !claimed->exchange(true))
            cleanUp();
    }

private:
    std::unique_ptr<QThread> m_thread;
    std::unique_ptr<Worker> m_worker;
};

} // namespace streamscope
