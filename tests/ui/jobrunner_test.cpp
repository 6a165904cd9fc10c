// JobRunner: results arrive on the GUI thread, progress is reported, cancel and supersede
// drop results, and an exception in a job becomes failed() with its message.

#include "JobRunner.h"

#include <QApplication>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QThreadPool>

#include <atomic>
#include <stdexcept>

using mowe::ui::JobContext;
using mowe::ui::JobRunner;

namespace {
// Generous: a loaded CI machine may take seconds to schedule a pool thread.
constexpr int kWaitMs = 30000;
} // namespace

class JobRunnerTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void deliversResultOnTheGuiThread() {
        JobRunner runner;
        QSignalSpy finished(&runner, &JobRunner::finished);
        QThread *workThread = nullptr;
        QThread *deliveryThread = nullptr;
        int result = 0;
        runner.start(
            QStringLiteral("sum"),
            [&workThread](JobContext &) {
                workThread = QThread::currentThread();
                int sum = 0;
                for (int i = 1; i <= 100; ++i)
                    sum += i;
                return sum;
            },
            [&](int value) {
                deliveryThread = QThread::currentThread();
                result = value;
            });
        QVERIFY(runner.isBusy());
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(result, 5050);
        QCOMPARE(deliveryThread, QThread::currentThread());
        QVERIFY(workThread != QThread::currentThread());
        QVERIFY(!runner.isBusy());
        QCOMPARE(finished.first().first().toString(), QStringLiteral("sum"));
    }

    void reportsProgressInOrderEndingAtOne() {
        JobRunner runner;
        QSignalSpy progress(&runner, &JobRunner::progressChanged);
        QSignalSpy finished(&runner, &JobRunner::finished);
        runner.start(
            QStringLiteral("steps"),
            [](JobContext &context) {
                for (int i = 1; i <= 4; ++i)
                    context.setProgress(i / 4.0, QStringLiteral("step %1").arg(i));
                return 0;
            },
            [](int) {});
        QVERIFY(finished.wait(kWaitMs));
        QVERIFY(progress.size() >= 2); // the start (0) and at least the last step
        double previous = -1.0;
        for (const auto &args : progress) {
            QVERIFY(args.at(0).toDouble() >= previous);
            previous = args.at(0).toDouble();
        }
        QCOMPARE(progress.last().at(0).toDouble(), 1.0);
        QCOMPARE(progress.last().at(1).toString(), QStringLiteral("step 4"));
    }

    void cancelDropsTheResultAndEmitsCancelled() {
        JobRunner runner;
        QSignalSpy cancelled(&runner, &JobRunner::cancelled);
        QSignalSpy finished(&runner, &JobRunner::finished);
        QSemaphore running;
        bool delivered = false;
        runner.start(
            QStringLiteral("endless"),
            [&running](JobContext &context) {
                running.release();
                while (!context.isCancelled())
                    QThread::msleep(1);
                return 1;
            },
            [&delivered](int) { delivered = true; });
        QVERIFY(running.tryAcquire(1, kWaitMs));
        runner.cancel();
        QVERIFY(cancelled.wait(kWaitMs));
        QVERIFY(!delivered);
        QCOMPARE(finished.size(), 0);
        QVERIFY(!runner.isBusy());
    }

    void newerJobSupersedesAndStaleResultIsDropped() {
        JobRunner runner;
        QSignalSpy finished(&runner, &JobRunner::finished);
        QSemaphore firstRunning, releaseFirst;
        QList<int> delivered;
        std::atomic<bool> firstSawCancel{false};
        runner.start(
            QStringLiteral("old"),
            [&](JobContext &context) {
                firstRunning.release();
                releaseFirst.acquire();
                firstSawCancel = context.isCancelled();
                return 1; // ignores cancellation on purpose: the runner must drop it anyway
            },
            [&delivered](int v) { delivered.append(v); });
        QVERIFY(firstRunning.tryAcquire(1, kWaitMs));
        const quint64 second = runner.start(
            QStringLiteral("new"),
            [](JobContext &) { return 2; },
            [&delivered](int v) { delivered.append(v); });
        QCOMPARE(runner.generation(), second);
        releaseFirst.release();
        QVERIFY(finished.wait(kWaitMs));
        runner.waitForDone();
        QCoreApplication::processEvents(); // deliver the old job's (dropped) result too
        QCOMPARE(delivered, QList<int>{2});
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().first().toString(), QStringLiteral("new"));
        QVERIFY(firstSawCancel.load());
    }

    void exceptionBecomesFailedWithItsMessage() {
        JobRunner runner;
        QSignalSpy failed(&runner, &JobRunner::failed);
        bool delivered = false;
        runner.start(
            QStringLiteral("broken"),
            [](JobContext &) -> int { throw std::runtime_error("matrix is singular"); },
            [&delivered](int) { delivered = true; });
        QVERIFY(failed.wait(kWaitMs));
        QCOMPARE(failed.first().at(0).toString(), QStringLiteral("broken"));
        QCOMPARE(failed.first().at(1).toString(), QStringLiteral("matrix is singular"));
        QVERIFY(!delivered);
        QVERIFY(!runner.isBusy());
    }

    void destroyingTheRunnerWaitsForItsJob() {
        std::atomic<bool> returned{false};
        QSemaphore running;
        {
            JobRunner runner;
            runner.start(
                QStringLiteral("slow"),
                [&](JobContext &context) {
                    running.release();
                    while (!context.isCancelled())
                        QThread::msleep(1);
                    returned = true;
                    return 0;
                },
                [](int) {});
            QVERIFY(running.tryAcquire(1, kWaitMs));
        } // the destructor cancels and waits
        QVERIFY(returned.load());
    }

    void cancelFlagIsSharedWithCoreCode() {
        JobRunner runner;
        QSignalSpy cancelled(&runner, &JobRunner::cancelled);
        QSemaphore running;
        runner.start(
            QStringLiteral("core loop"),
            [&running](JobContext &context) {
                const std::atomic<bool> *flag = context.cancelFlag();
                running.release();
                while (!flag->load())
                    QThread::msleep(1);
                return 0;
            },
            [](int) {});
        QVERIFY(running.tryAcquire(1, kWaitMs));
        runner.cancel();
        QVERIFY(cancelled.wait(kWaitMs));
    }
};

QTEST_MAIN(JobRunnerTest)
#include "jobrunner_test.moc"
