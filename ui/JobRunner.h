#pragma once
// Runs long work (inference, landscapes, spectra) off the GUI thread, one job per runner at a
// time. Starting a new job supersedes the running one: the old job is asked to cancel and,
// whatever it returns, its result is dropped (a generation counter tells stale from current),
// so the GUI never shows a result for settings the user has already moved away from.
//
// Threading contract: start(), cancel() and every signal live on the runner's thread (the
// GUI thread); `work` runs on a pool thread and may only touch the JobContext and the data it
// captured by value; `onFinished` runs on the runner's thread with the result moved in.

#include <QFuture>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

class QThreadPool;

namespace mowe::ui {

namespace detail {
struct JobState;
}

/// What a running job sees of the GUI: a cancel flag to poll and a progress reporter.
/// Thread-safe; cheap to call in inner loops (progress is posted only when it changes by at
/// least 0.1 %).
class JobContext {
public:
    explicit JobContext(std::shared_ptr<detail::JobState> state);

    /// True once the user cancelled or a newer job superseded this one. Poll it and return
    /// early (any value: a cancelled job's result is dropped).
    bool isCancelled() const;

    /// Reports progress in [0, 1] (clamped); `text` replaces the status text when non-empty.
    void setProgress(double fraction, const QString &text = {});

    /// The cancel flag itself, for code in core/ that takes a `const std::atomic<bool> *`.
    const std::atomic<bool> *cancelFlag() const;

private:
    std::shared_ptr<detail::JobState> state_;
};

class JobRunner : public QObject {
    Q_OBJECT
public:
    /// `pool` defaults to QThreadPool::globalInstance() (sized by --threads).
    explicit JobRunner(QObject *parent = nullptr, QThreadPool *pool = nullptr);
    /// Cancels the running job and waits for every job this runner started to return.
    ~JobRunner() override;

    /// Starts `work` on the pool and supersedes any running job. When `work` returns and no
    /// newer job was started and the job was not cancelled, `onFinished(result)` runs on this
    /// runner's thread, then finished() is emitted. If `work` throws, failed() carries the
    /// exception's message. Returns the job's generation number.
    /// `Work` is callable as `Result(JobContext &)`, `OnFinished` as `void(Result)`; `Result`
    /// must be movable (a struct of results, a QImage, a shared_ptr to a large buffer).
    template <typename Work, typename OnFinished>
    quint64 start(const QString &title, Work work, OnFinished onFinished) {
        using Result = std::invoke_result_t<Work &, JobContext &>;
        static_assert(!std::is_void_v<Result>, "a job returns its result to onFinished");
        return startErased(title,
                           [work = std::move(work), onFinished = std::move(onFinished)](
                               JobContext &context) mutable -> std::function<void()> {
                               auto result = std::make_shared<Result>(work(context));
                               return [result, onFinished] { onFinished(std::move(*result)); };
                           });
    }

    /// Asks the running job to stop; its result will be dropped and cancelled() emitted.
    void cancel();

    bool isBusy() const { return busy_; }
    /// The generation of the latest job started (0 before the first).
    quint64 generation() const { return generation_; }
    QString currentTitle() const { return title_; }

    /// Blocks until every job this runner started has returned (their results are then
    /// delivered by the event loop). For tests and shutdown; never call it from a job.
    void waitForDone();

Q_SIGNALS:
    void started(const QString &title);
    /// fraction in [0, 1]; text is the job's latest status text.
    void progressChanged(double fraction, const QString &text);
    void finished(const QString &title);
    void failed(const QString &title, const QString &message);
    void cancelled(const QString &title);
    void busyChanged(bool busy);

private:
    using Deliver = std::function<void()>;
    quint64 startErased(const QString &title, std::function<Deliver(JobContext &)> work);
    void onJobReturned(quint64 generation, const Deliver &deliver, const QString &error);
    void setBusy(bool busy);

    QThreadPool *pool_;
    quint64 generation_ = 0;
    bool busy_ = false;
    QString title_;
    std::shared_ptr<detail::JobState> current_;
    std::vector<QFuture<void>> futures_;
};

} // namespace mowe::ui
