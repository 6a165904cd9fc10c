#include "JobRunner.h"

#include "Log.h"

#include <QMetaObject>
#include <QMutex>
#include <QPointer>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <exception>

namespace mowe::ui {

namespace detail {
struct JobState {
    quint64 generation = 0;
    std::atomic<bool> cancel{false};
    // Progress in thousandths: posting only on change bounds the queued events to ~1000 a job.
    std::atomic<int> permille{-1};
    QMutex textMutex;
    QString text;
    QPointer<JobRunner> runner;
};
} // namespace detail

JobContext::JobContext(std::shared_ptr<detail::JobState> state)
    : state_(std::move(state)) {
}

bool JobContext::isCancelled() const {
    return state_->cancel.load(std::memory_order_relaxed);
}

const std::atomic<bool> *JobContext::cancelFlag() const {
    return &state_->cancel;
}

void JobContext::setProgress(double fraction, const QString &text) {
    const double clamped = std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0;
    const int permille = static_cast<int>(std::lround(clamped * 1000.0));
    bool textChanged = false;
    QString currentText;
    {
        QMutexLocker lock(&state_->textMutex);
        if (!text.isEmpty() && text != state_->text) {
            state_->text = text;
            textChanged = true;
        }
        currentText = state_->text;
    }
    const int previous = state_->permille.exchange(permille);
    if (previous == permille && !textChanged)
        return;
    // The runner outlives its jobs (its destructor waits for them), so the pointer read here
    // is either the live runner or null; invokeMethod queues onto the runner's thread.
    JobRunner *runner = state_->runner.data();
    if (!runner)
        return;
    const quint64 generation = state_->generation;
    QMetaObject::invokeMethod(
        runner,
        [runner, generation, clamped, currentText] {
            if (runner->generation() == generation && runner->isBusy())
                Q_EMIT runner->progressChanged(clamped, currentText);
        },
        Qt::QueuedConnection);
}

JobRunner::JobRunner(QObject *parent, QThreadPool *pool)
    : QObject(parent)
    , pool_(pool ? pool : QThreadPool::globalInstance()) {
}

JobRunner::~JobRunner() {
    if (current_)
        current_->cancel = true;
    waitForDone();
}

quint64 JobRunner::startErased(const QString &title, std::function<Deliver(JobContext &)> work) {
    if (current_) {
        current_->cancel = true;
        qCDebug(lcJobs) << "superseding" << title_ << "with" << title;
    }
    ++generation_;
    title_ = title;
    auto state = std::make_shared<detail::JobState>();
    state->generation = generation_;
    state->runner = this;
    current_ = state;

    // Forget futures of jobs that already returned so the list stays short.
    futures_.erase(std::remove_if(futures_.begin(),
                                  futures_.end(),
                                  [](const QFuture<void> &f) { return f.isFinished(); }),
                   futures_.end());

    setBusy(true);
    Q_EMIT started(title);
    Q_EMIT progressChanged(0.0, title);

    const quint64 generation = generation_;
    futures_.push_back(QtConcurrent::run(pool_, [this, state, generation, work = std::move(work)] {
        JobContext context(state);
        Deliver deliver;
        QString error;
        try {
            deliver = work(context);
        } catch (const std::exception &e) {
            error = QString::fromUtf8(e.what());
            if (error.isEmpty())
                error = QStringLiteral("unknown error");
        } catch (...) {
            error = QStringLiteral("unknown error (a non-standard exception)");
        }
        // `this` is alive here: the destructor waits for this future.
        QMetaObject::invokeMethod(
            this,
            [this, generation, deliver = std::move(deliver), error] {
                onJobReturned(generation, deliver, error);
            },
            Qt::QueuedConnection);
    }));
    return generation;
}

void JobRunner::onJobReturned(quint64 generation, const Deliver &deliver, const QString &error) {
    if (generation != generation_) {
        qCDebug(lcJobs) << "dropped the stale result of job generation" << generation;
        return;
    }
    const QString title = title_;
    const bool wasCancelled = current_ && current_->cancel.load();
    current_.reset();
    setBusy(false);
    if (wasCancelled) {
        qCDebug(lcJobs) << "job" << title << "cancelled";
        Q_EMIT cancelled(title);
        return;
    }
    if (!error.isEmpty()) {
        qCWarning(lcJobs).noquote() << "job" << title << "failed:" << error;
        Q_EMIT failed(title, error);
        return;
    }
    if (deliver)
        deliver();
    Q_EMIT finished(title);
}

void JobRunner::cancel() {
    if (current_)
        current_->cancel = true;
}

void JobRunner::waitForDone() {
    for (auto &future : futures_)
        future.waitForFinished();
}

void JobRunner::setBusy(bool busy) {
    if (busy_ == busy)
        return;
    busy_ = busy;
    Q_EMIT busyChanged(busy);
}

} // namespace mowe::ui
